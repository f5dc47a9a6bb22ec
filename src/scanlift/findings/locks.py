"""Merge locks: one import at a time writes into a client's assets and reports, and at most
a set number of imports write into PostgreSQL at once.

Imports are the only writers of assets, findings, affected assets and evidence, and every row
they write belongs to one client. Holding the client's lock for the whole merge transaction means a
merger sees everything committed before it and nobody adds rows behind its back, so it can
insert rows it knows are new without conflict checks, and two imports can never deadlock on
each other's row locks. Imports into different clients merge in parallel.

PostgreSQL: a transaction-level advisory lock, released by COMMIT or ROLLBACK. SQLite has one
writer at a time: the lock is its write lock, taken at once with a write that changes nothing
(a deferred transaction would otherwise take it only at its first real write, after the merger
has read a snapshot that may be stale by then).
"""

from __future__ import annotations

import time

from sqlalchemy import text, update
from sqlalchemy.orm import Session

from scanlift.clients.models import Client
from scanlift.db.engine import is_sqlite

#: Advisory-lock namespaces (the first key of PostgreSQL's two-key form).
_CLIENT_LOCK_SPACE = 0x5CA1
_SLOT_LOCK_SPACE = 0x5CA2
_SLOT_POLL_SECONDS = 0.25


def lock_for_merge(session: Session, client_id: int, *, slots: int, wait: bool) -> bool:
    """Take a merge slot, then the merge lock of ``client_id``, until the end of the session's
    transaction. With ``wait=False`` it answers False at once if either is taken.

    Slots bound how many merges write into PostgreSQL at once: each keeps one database backend
    busy, and an API sharing the database must still get CPU. Everyone takes a slot before a
    client lock, and nobody waits for a slot while holding a client lock, so there is no deadlock.
    """
    if is_sqlite(session.get_bind()):
        # One writer at a time already. Waits up to the busy timeout; SQLite cannot ask without waiting.
        session.execute(update(Client).where(Client.id == client_id).values(updated_at=Client.updated_at))
        return True
    if not _take_slot(session, slots, wait=wait):
        return False
    if wait:
        session.execute(text("SELECT pg_advisory_xact_lock(:space, :key)"), _keys(_CLIENT_LOCK_SPACE, client_id))
        return True
    return _try_lock(session, _CLIENT_LOCK_SPACE, client_id)


def _take_slot(session: Session, slots: int, *, wait: bool) -> bool:
    while True:
        if any(_try_lock(session, _SLOT_LOCK_SPACE, slot) for slot in range(slots)):
            return True
        if not wait:
            return False
        time.sleep(_SLOT_POLL_SECONDS)


def _try_lock(session: Session, space: int, key: int) -> bool:
    taken = session.execute(text("SELECT pg_try_advisory_xact_lock(:space, :key)"), _keys(space, key))
    return bool(taken.scalar_one())


def _keys(space: int, key: int) -> dict[str, int]:
    return {"space": space, "key": key}
