"""asset-only import jobs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 18:39:09.696445
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=20), nullable=False, server_default="findings"))
        batch_op.alter_column("report_id", existing_type=sa.INTEGER(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.alter_column("report_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("kind")
