"""One clock for every host: the database's.

A lease is written by the worker that holds it and judged by the sweepers of other hosts. Taking
the time from the one database they share means a host whose clock is off cannot expire a live
lease, nor keep a dead one alive.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from scanlift.db.base import utcnow
from scanlift.db.engine import is_sqlite


def database_now(session: Session) -> datetime:
    """Now, by the database server's clock on PostgreSQL; SQLite runs on one host, whose clock it is."""
    if is_sqlite(session.get_bind()):
        return utcnow()
    value: datetime = session.execute(text("SELECT clock_timestamp()")).scalar_one()
    return value.astimezone(UTC)
