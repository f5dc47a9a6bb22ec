"""upload keys are used once; failed logins remember the client address

An upload key is imported at most once, by the user it was issued to, within its lifetime; once
imported, the embedded store refuses any further PUT to it, so the file cannot be swapped under
a queued import. Failed logins are also counted per client address, so that spraying many
user names from one address is throttled too.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 09:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import scanlift.db.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("upload_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("used_at", scanlift.db.base.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_login_failures_address_at", ["address", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failures_address_at")
        batch_op.drop_column("address")
    with op.batch_alter_table("upload_keys", schema=None) as batch_op:
        batch_op.drop_column("used_at")
