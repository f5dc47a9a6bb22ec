"""Bulk INSERT … ON CONFLICT DO NOTHING for SQLite and PostgreSQL, and counted UPDATEs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import CursorResult, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.sql.dml import UpdateBase


def insert_ignore(
    session: Session, model: type[DeclarativeBase], rows: Sequence[dict[str, Any]], conflict: Sequence[str]
) -> None:
    """Insert the rows that do not collide with an existing row on the ``conflict`` columns.

    Rows are sent sorted on the conflict key so that concurrent imports take row locks in the
    same order, which keeps PostgreSQL from deadlocking.
    """
    if not rows:
        return
    table = model.__table__
    assert isinstance(table, Table)
    ordered = sorted(rows, key=lambda row: tuple(str(row[c]) for c in conflict))
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        pg_stmt = postgresql.insert(table).on_conflict_do_nothing(index_elements=list(conflict))
        session.execute(pg_stmt, ordered)
    elif dialect == "sqlite":
        lite_stmt = sqlite.insert(table).on_conflict_do_nothing(index_elements=list(conflict))
        session.execute(lite_stmt, ordered)
    else:
        raise NotImplementedError(f"no upsert for database dialect {dialect!r}")


def rows_affected(session: Session, statement: UpdateBase) -> int:
    """Run an UPDATE or DELETE and return how many rows it changed."""
    result = session.execute(statement.execution_options(synchronize_session=False))
    assert isinstance(result, CursorResult)
    return int(result.rowcount)
