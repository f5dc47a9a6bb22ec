"""The sweeper: re-delivers jobs that lost their worker, gives up on jobs that keep killing
workers, and forgets finished jobs after the retention period.

Every change is a conditional UPDATE re-checking the state it acts on, so any number of
sweepers (one per worker host) can run at once without stepping on each other or on workers.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update

from scanlift.db.clock import database_now
from scanlift.db.engine import Database
from scanlift.db.upsert import rows_affected
from scanlift.jobs.dispatch import dispatch
from scanlift.jobs.models import FINISHED, ImportJob, JobStatus
from scanlift.jobs.queue import JobQueue
from scanlift.uploads.models import UploadKey
from scanlift.uploads.storage import ObjectStore

log = logging.getLogger(__name__)

#: A queued job whose message has not been picked up for this long is sent again, in case the
#: broker lost it. Duplicates are harmless: a worker that cannot claim the job drops the message.
RESEND_AFTER = timedelta(seconds=60)
#: Each send doubles the wait before the next one, up to this. A job usually waits because every
#: worker is busy, not because its message was lost: during a long backlog, re-sending every
#: minute would pile up one duplicate per waiting job per minute in the broker.
RESEND_AT_MOST_EVERY = timedelta(hours=1)
#: The API sends a new job's message right after committing it; only one it could not send is
#: left without ``enqueued_at``. This grace keeps the sweeper out of that short window.
NEVER_SENT_GRACE = timedelta(seconds=5)


def resend_delay(sends: int) -> timedelta:
    """How long after its last send a waiting job's message is sent again."""
    doublings = min(max(sends - 1, 0), 16)
    delay: timedelta = min(RESEND_AFTER * (1 << doublings), RESEND_AT_MOST_EVERY)
    return delay


@dataclass(frozen=True, slots=True)
class SweepPolicy:
    max_attempts: int
    retention_seconds: int


@dataclass(frozen=True, slots=True)
class SweepResult:
    redelivered: list[str]
    abandoned: list[str]
    resent: list[str]
    purged: int


def sweep_once(db: Database, queue: JobQueue, store: ObjectStore, policy: SweepPolicy) -> SweepResult:
    with db.session() as session:
        now = database_now(session)
    redelivered, abandoned = _recover_expired_leases(db, policy, now)
    # A job just put back in the queue is sent below with the redelivered ones, once.
    resent = [job_id for job_id in _resend_stale_queued(db, now) if job_id not in redelivered]
    for job_id in [*redelivered, *resent]:
        dispatch(db, queue, job_id)
    purged = _purge_expired(db, store, policy, now)
    return SweepResult(redelivered, abandoned, resent, purged)


def _recover_expired_leases(db: Database, policy: SweepPolicy, now: datetime) -> tuple[list[str], list[str]]:
    redelivered: list[str] = []
    abandoned: list[str] = []
    with db.session() as session:
        expired = session.scalars(
            select(ImportJob)
            .where(ImportJob.status == JobStatus.PROCESSING, ImportJob.lease_expires_at < now)
            .with_for_update(skip_locked=True)
        ).all()
        for job in expired:
            still_expired = and_(
                ImportJob.id == job.id,
                ImportJob.status == JobStatus.PROCESSING,
                ImportJob.lease_expires_at < now,
                ImportJob.lease_owner == job.lease_owner,
            )
            if job.attempts >= policy.max_attempts:
                message = (
                    f"the import worker stopped unexpectedly {job.attempts} times while processing this file "
                    "(for example killed, or out of memory); giving up"
                )
                values: dict[str, object] = {
                    "status": JobStatus.ERROR,
                    "error_status": message,
                    "finished_at": now,
                }
                target = abandoned
            else:
                values = {"status": JobStatus.IN_QUEUE, "enqueued_at": None, "sends": 0}
                target = redelivered
            statement = (
                update(ImportJob)
                .where(still_expired)
                .values(lease_owner=None, lease_expires_at=None, last_updated_at=now, **values)
            )
            if rows_affected(session, statement) == 1:
                target.append(job.id)
    for job_id in abandoned:
        log.warning("sweeper: import %s abandoned after repeated worker crashes", job_id)
    for job_id in redelivered:
        log.info("sweeper: import %s lost its worker; re-delivering", job_id)
    return redelivered, abandoned


def _resend_stale_queued(db: Database, now: datetime) -> list[str]:
    """Waiting jobs that were never sent (the broker was down), or whose last send is older
    than ``resend_delay`` of their send count."""
    with db.session() as session:
        waiting = session.execute(
            select(ImportJob.id, ImportJob.enqueued_at, ImportJob.sends).where(
                ImportJob.status == JobStatus.IN_QUEUE,
                or_(
                    and_(ImportJob.enqueued_at.is_(None), ImportJob.created_at < now - NEVER_SENT_GRACE),
                    ImportJob.enqueued_at < now - RESEND_AFTER,
                ),
            )
        ).all()
    return [
        job_id
        for job_id, enqueued_at, sends in waiting
        if enqueued_at is None or enqueued_at <= now - resend_delay(sends)
    ]


def _purge_expired(db: Database, store: ObjectStore, policy: SweepPolicy, now: datetime) -> int:
    """Drop finished jobs past retention, with their uploaded object, and stale unused keys."""
    cutoff = now - timedelta(seconds=policy.retention_seconds)
    with db.session() as session:
        jobs = session.execute(
            select(ImportJob.id, ImportJob.file_location).where(
                ImportJob.status.in_(FINISHED), ImportJob.last_updated_at < cutoff
            )
        ).all()
        used_keys = select(ImportJob.file_location)
        stale_keys = session.scalars(
            select(UploadKey.key).where(UploadKey.expires_at < cutoff, UploadKey.key.not_in(used_keys))
        ).all()
        for job_id, key in jobs:
            session.execute(delete(ImportJob).where(ImportJob.id == job_id))
            still_used = session.scalar(select(ImportJob.id).where(ImportJob.file_location == key).limit(1))
            if still_used is None:
                session.execute(delete(UploadKey).where(UploadKey.key == key))
                store.delete(key)
        for key in stale_keys:
            session.execute(delete(UploadKey).where(UploadKey.key == key))
            store.delete(key)
    return len(jobs)


def run_forever(db: Database, queue: JobQueue, store: ObjectStore, policy: SweepPolicy, *, interval: float) -> None:
    """Sweep every ``interval`` seconds until the parent process goes away."""
    parent = os.getppid()
    while os.getppid() == parent:
        try:
            result = sweep_once(db, queue, store, policy)
            if result.redelivered or result.abandoned or result.purged:
                log.info("sweep: %s", result)
        except Exception:
            log.exception("sweep failed; retrying")
        time.sleep(interval)
