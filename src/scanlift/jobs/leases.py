"""Job leases: one worker at a time owns a job, and proves it on every write.

Every state change is a single conditional UPDATE, so it is atomic on SQLite and PostgreSQL
alike: a claim succeeds only if the job is queued or its lease has expired, and a heartbeat or
a final status lands only while the writer still owns the lease. Every time comes from the
database's clock (``db.clock``), so hosts whose clocks disagree still agree on leases.
"""

from __future__ import annotations

import enum
from datetime import timedelta

from sqlalchemy import ColumnElement, and_, or_, update
from sqlalchemy.orm import Session

from scanlift.db.clock import database_now
from scanlift.db.upsert import rows_affected
from scanlift.jobs.models import ImportJob, JobStatus


class Claim(enum.Enum):
    CLAIMED = "claimed"
    #: Finished, or leased by a live worker: this delivery is a duplicate and is dropped.
    NOT_CLAIMABLE = "not claimable"


def claim(session: Session, job_id: str, *, owner: str, lease_seconds: int) -> Claim:
    now = database_now(session)
    claimable = or_(
        ImportJob.status == JobStatus.IN_QUEUE,
        and_(ImportJob.status == JobStatus.PROCESSING, ImportJob.lease_expires_at < now),
    )
    changed = rows_affected(
        session,
        update(ImportJob)
        .where(ImportJob.id == job_id, claimable)
        .values(
            status=JobStatus.PROCESSING,
            lease_owner=owner,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            attempts=ImportJob.attempts + 1,
            processed_bytes=0,
            progress=0,
            last_updated_at=now,
        ),
    )
    return Claim.CLAIMED if changed == 1 else Claim.NOT_CLAIMABLE


def owned_by(job_id: str, owner: str) -> list[ColumnElement[bool]]:
    """The job is still being processed under this owner's lease."""
    return [ImportJob.id == job_id, ImportJob.lease_owner == owner, ImportJob.status == JobStatus.PROCESSING]


def _update_owned(session: Session, job_id: str, owner: str, /, **values: object) -> bool:
    """Write ``values`` to the job only while ``owner`` holds its lease; False when the lease was lost.

    The leading parameters are positional-only, so any column name can be among ``values``.
    """
    statement = update(ImportJob).where(*owned_by(job_id, owner)).values(**values)
    return rows_affected(session, statement) == 1


def heartbeat(session: Session, job_id: str, *, owner: str, lease_seconds: int) -> bool:
    """Extend the lease; False when the lease was lost (expired and taken, or job finished)."""
    expires = database_now(session) + timedelta(seconds=lease_seconds)
    return _update_owned(session, job_id, owner, lease_expires_at=expires)


def report_progress(
    session: Session, job_id: str, *, owner: str, processed_bytes: int, progress: int, lease_seconds: int
) -> bool:
    now = database_now(session)
    return _update_owned(
        session,
        job_id,
        owner,
        processed_bytes=processed_bytes,
        progress=progress,
        last_updated_at=now,
        lease_expires_at=now + timedelta(seconds=lease_seconds),
    )


def finish(session: Session, job_id: str, *, owner: str, status: JobStatus, **values: object) -> bool:
    """Set a final status; only the lease owner can. Runs inside the caller's transaction."""
    now = database_now(session)
    return _update_owned(
        session,
        job_id,
        owner,
        status=status,
        lease_owner=None,
        lease_expires_at=None,
        last_updated_at=now,
        finished_at=now,
        **values,
    )
