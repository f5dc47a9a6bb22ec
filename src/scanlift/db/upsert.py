"""Bulk inserts for SQLite and PostgreSQL: rows known to be new, rows that may collide, and ids.

PostgreSQL gets COPY, because per-row INSERTs cost a round trip each and multi-row VALUES
statements are re-parsed by the driver on every batch.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

import psycopg
from sqlalchemy import JSON, CursorResult, Table, func, select, text
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
    table = _table_of(model)
    ordered = sorted(rows, key=itemgetter(*conflict))
    if _dialect(session) == "postgresql":
        return _copy_insert_ignore(session, table, ordered, conflict, returning)
    statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=list(conflict))
    if not returning:
        session.execute(statement, ordered)
        return []
    result = session.execute(statement.returning(*(table.c[name] for name in returning)), ordered)
    return [tuple(row) for row in result.all()]


def insert_new(
    session: Session, model: type[DeclarativeBase], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert rows the caller knows are new (nothing else can write them; see ``findings.locks``).

    Rows are value tuples in ``columns`` order: the bulk of an import goes through here, and
    tuples cost less to build than dicts. PostgreSQL gets a COPY straight into the table: no
    staging table, no conflict check.
    """
    if not rows:
        return
    table = _table_of(model)
    if _dialect(session) == "sqlite":
        session.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    with _driver_cursor(session) as cursor:
        _copy_rows(cursor, table, table.name, columns, rows)


def allocate_ids(session: Session, model: type[DeclarativeBase], count: int) -> list[int]:
    """Reserve ``count`` integer primary keys, so that new rows can reference each other
    before they are written. The caller holds the merge lock, which on SQLite is the write lock.
    """
    if count <= 0:
        return []
    table = _table_of(model)
    if _dialect(session) == "sqlite":
        # Under the write lock nobody else inserts, so the ids after the current maximum are ours.
        # Every id handed out is inserted in the same transaction before the next allocation.
        start = session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one() + 1
        return list(range(start, start + count))
    result = session.execute(
        text("SELECT array_agg(nextval(pg_get_serial_sequence(:table, 'id'))) FROM generate_series(1, :n)"),
        {"table": table.name, "n": count},
    )
    return list(result.scalar_one())


def _copy_insert_ignore(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], conflict: Sequence[str], returning: Sequence[str]
) -> list[tuple[Any, ...]]:
    """COPY the rows into a per-transaction staging table, then INSERT … ON CONFLICT from it."""
    columns = list(rows[0])
    stage = f"_stage_{table.name}"
    names = ", ".join(f'"{c}"' for c in columns)
    with _driver_cursor(session) as cursor:
        # Every name here comes from our own table metadata, never from input.
        create = f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" ON COMMIT DROP AS SELECT {names} FROM "{table.name}"'  # noqa: S608
        cursor.execute(create + " WITH NO DATA")
        cursor.execute(f'TRUNCATE "{stage}"')
        getter = itemgetter(*columns)
        _copy_rows(cursor, table, stage, columns, [getter(row) if len(columns) > 1 else (getter(row),) for row in rows])
        order = ", ".join(f'"{c}"' for c in conflict)
        returned = ", ".join(f'"{c}"' for c in returning) or "1"
        cursor.execute(
            f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM "{stage}" ORDER BY {order} '  # noqa: S608
            f"ON CONFLICT ({order}) DO NOTHING RETURNING {returned}"
        )
        return [tuple(row) for row in cursor.fetchall()] if returning else []


def _copy_rows(
    cursor: psycopg.Cursor[Any], table: Table, target: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    json_columns = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
    with cursor.copy(f'COPY "{target}" ({names}) FROM STDIN') as copy:
        if not json_columns:
            for row in rows:
                copy.write_row(row)
            return
        for row in rows:
            values = list(row)
            for i in json_columns:
                values[i] = _json_text(values[i])
            copy.write_row(values)


def _json_text(value: Any) -> str:
    """COPY takes json as text. Most json values in a bulk insert are empty lists."""
    return "[]" if value == [] else json.dumps(value)


def _driver_cursor(session: Session) -> psycopg.Cursor[Any]:
    driver = session.connection().connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    return driver.cursor()


def _table_of(model: type[DeclarativeBase]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _dialect(session: Session) -> str:
    dialect = session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise ValueError(f"scanlift runs on SQLite or PostgreSQL, not {dialect!r}")
    return dialect


def rows_affected(session: Session, statement: UpdateBase) -> int:
    """Run an UPDATE or DELETE and return how many rows it changed."""
    result = session.execute(statement.execution_options(synchronize_session=False))
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


#: Rows per statement when reading or locking by a list of keys.
CHUNK = 500


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    """``items`` in consecutive slices of at most ``size``, for bounded ``IN (...)`` lists."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
