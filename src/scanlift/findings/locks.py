"""The merge lock: one import at a time writes into a client's assets and reports.

Imports are the only writers of assets, findings, affected assets and evidence, and every row
they write belongs to one client. Holding this lock for the whole merge transaction means a
merger sees everything committed before it and nobody adds rows behind its back, so it can
insert rows it knows are new without conflict checks, and two imports can never deadlock on
each other's row locks. Imports into different clients merge in parallel.

PostgreSQL: a transaction-level advisory lock, released by COMMIT or ROLLBACK. SQLite has one
writer at a time: the lock is its write lock, taken at once with a write that changes nothing
(a deferred transaction would otherwise take it only at its first real write, after the merger
has read a snapshot that may be stale by then).
"""

from __future__ import annotations

from sqlalchemy import text, update
from sqlalchemy.orm import Session

from scanlift.clients.models import Client

#: The advisory-lock namespace of merges (the first key of PostgreSQL's two-key form).
_MERGE_LOCK_SPACE = 0x5CA1


def lock_client_for_merge(session: Session, client_id: int, *, wait: bool) -> bool:
    """Take the merge lock for ``client_id`` until the end of the session's transaction.

    With ``wait=False`` it answers False at once when another import holds it.
    """
    if session.get_bind().dialect.name == "sqlite":
        # Waits up to the busy timeout; SQLite has no way to ask without waiting.
        session.execute(update(Client).where(Client.id == client_id).values(id=Client.id))
        return True
    if wait:
        session.execute(text("SELECT pg_advisory_xact_lock(:space, :client)"), _keys(client_id))
        return True
    taken = session.execute(text("SELECT pg_try_advisory_xact_lock(:space, :client)"), _keys(client_id))
    return bool(taken.scalar_one())


def _keys(client_id: int) -> dict[str, int]:
    return {"space": _MERGE_LOCK_SPACE, "client": client_id}
