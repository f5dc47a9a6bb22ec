"""an import reads only the bytes it was queued for; a TOTP code is accepted once

A presigned S3 PUT cannot be revoked, so a client holding the URL could replace the object after
the import was queued. The job now records the ETag seen when it was queued, and the worker reads
the object with ``If-Match`` on it: a replaced file ends the import with a clear error.

A user's last accepted TOTP time step is kept, so that a code (or an earlier one) cannot be
replayed within its 90-second window (RFC 6238, section 5.2).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 19:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("file_etag", sa.String(length=200), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mfa_last_step", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("mfa_last_step")
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.drop_column("file_etag")
