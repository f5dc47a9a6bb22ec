"""count the queue messages sent for a waiting job

The sweeper re-sends the message of a job that waits in the queue, in case the broker lost
it. With this count it waits twice as long after each send, so a long backlog no longer gains
one duplicate message per waiting job every minute.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sends", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.drop_column("sends")
