"""faster bulk merges: lz4 for evidence text, no redundant indexes

Two single-column indexes duplicated the leading column of a unique index, and cost every
import an index insert per affected asset and per evidence row; they are dropped.

Evidence text (scanner output) is most of what an import writes. PostgreSQL compresses long
values with pglz by default, which was the largest single cost of COPYing evidence in: 36,500
rows of 1.5 kB went in 1.8x faster with lz4. lz4 needs PostgreSQL 14 or later built with it;
elsewhere this migration changes nothing. SQLite has no such setting.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 21:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_COLUMNS = (("evidence", "code"), ("evidence", "caption"))


def _lz4_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    choices = bind.execute(sa.text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"))
    row = choices.first()
    return row is not None and "lz4" in (row[0] or [])


def _set_compression(method: str) -> None:
    for table, column in _COLUMNS:
        # Applies to values written from now on; existing values keep their compression.
        op.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET COMPRESSION {method}')


_REDUNDANT_INDEXES = (
    ("affected_assets", "ix_affected_assets_finding_id", "finding_id"),
    ("evidence", "ix_evidence_affected_asset_id", "affected_asset_id"),
)


def upgrade() -> None:
    for table, index, _column in _REDUNDANT_INDEXES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(index)
    if _lz4_available():
        _set_compression("lz4")


def downgrade() -> None:
    if _lz4_available():
        _set_compression("pglz")
    for table, index, column in _REDUNDANT_INDEXES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_index(index, [column], unique=False)
