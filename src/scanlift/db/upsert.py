"""Bulk INSERT … ON CONFLICT DO NOTHING for SQLite and PostgreSQL, and counted UPDATEs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, CursorResult, Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.sql.dml import UpdateBase


def insert_ignore(
    session: Session,
    model: type[DeclarativeBase],
    rows: Sequence[dict[str, Any]],
    conflict: Sequence[str],
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert the rows that do not collide with an existing row on the ``conflict`` columns,
    and return the ``returning`` columns of the rows actually inserted.

    Rows go in sorted on the conflict key, so that concurrent imports take row locks in the same
    order, which keeps PostgreSQL from deadlocking. PostgreSQL gets COPY into a staging table
    and one INSERT … SELECT; SQLite gets a plain executemany.
    """
    if not rows:
        return []
    table = model.__table__
    assert isinstance(table, Table)
    ordered = sorted(rows, key=itemgetter(*conflict))
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return _copy_insert_ignore(session, table, ordered, conflict, returning)
    if dialect != "sqlite":
        raise ValueError(f"scanlift runs on SQLite or PostgreSQL, not {dialect!r}")
    statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=list(conflict))
    if not returning:
        session.execute(statement, ordered)
        return []
    result = session.execute(statement.returning(*(table.c[name] for name in returning)), ordered)
    return [tuple(row) for row in result.all()]


def _copy_insert_ignore(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], conflict: Sequence[str], returning: Sequence[str]
) -> list[tuple[Any, ...]]:
    """COPY the rows into a per-transaction staging table, then INSERT … ON CONFLICT from it.

    Per-row INSERTs cost a round trip each, and multi-row VALUES statements are re-parsed by
    the driver on every batch; COPY streams the rows in one go.
    """
    columns = list(rows[0])
    stage = f"_stage_{table.name}"
    names = ", ".join(f'"{c}"' for c in columns)
    json_columns = {c for c in columns if isinstance(table.c[c].type, JSON)}
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor:
        # Every name here comes from our own table metadata, never from input.
        create = f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" ON COMMIT DROP AS SELECT {names} FROM "{table.name}"'  # noqa: S608
        cursor.execute(create + " WITH NO DATA")
        cursor.execute(f'TRUNCATE "{stage}"')
        with cursor.copy(f'COPY "{stage}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(
                    [json.dumps(row[c]) if c in json_columns else row[c] for c in columns]  # json as text
                )
        order = ", ".join(f'"{c}"' for c in conflict)
        returned = ", ".join(f'"{c}"' for c in returning) or "1"
        cursor.execute(
            f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM "{stage}" ORDER BY {order} '  # noqa: S608
            f"ON CONFLICT ({order}) DO NOTHING RETURNING {returned}"
        )
        return [tuple(row) for row in cursor.fetchall()] if returning else []


def rows_affected(session: Session, statement: UpdateBase) -> int:
    """Run an UPDATE or DELETE and return how many rows it changed."""
    result = session.execute(statement.execution_options(synchronize_session=False))
    assert isinstance(result, CursorResult)
    return int(result.rowcount)
