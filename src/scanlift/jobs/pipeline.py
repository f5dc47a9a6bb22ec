"""One import, start to finish, inside a worker process.

claim → read → parse → transform → merge (one transaction that also records IMPORT COMPLETE)
→ finish. The stages live in ``jobs.stages``, ``jobs.merging`` and ``jobs.finishing``; this
module claims the job, keeps its lease alive, retries outages, and records failures. A bad file
ends as ERROR with the report untouched, and a crash at any point leaves nothing half-written:
the sweeper re-delivers the job and the next attempt starts clean.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Sequence

from scanlift.db.engine import Database
from scanlift.errors import UserError
from scanlift.jobs import leases, merging, stages
from scanlift.jobs.attempt import Attempt, JobSettings, LeaseLost
from scanlift.jobs.finishing import Finished, FinishHook, finish, log_completion, statistics_refresher
from scanlift.jobs.heartbeat import Heartbeat
from scanlift.jobs.models import ImportJob, JobStatus
from scanlift.logs import job_context
from scanlift.parsers.base import excerpt
from scanlift.transient import describe, is_transient
from scanlift.uploads.storage import ObjectStore

__all__ = ["ImportPipeline", "JobSettings", "LeaseLost"]

log = logging.getLogger(__name__)


class ImportPipeline:
    def __init__(
        self,
        db: Database,
        storage: ObjectStore,
        settings: JobSettings,
        *,
        transforms: Sequence[stages.Transform] = (),
        finish_hooks: Sequence[FinishHook] = (),
    ) -> None:
        self.db = db
        self.storage = storage
        self.settings = settings
        self.transforms = tuple(transforms)
        self.finish_hooks = (log_completion, statistics_refresher(db), *finish_hooks)

    def run(self, job_id: str) -> None:
        owner = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        with self.db.session() as session:
            claim = leases.claim(session, job_id, owner=owner, lease_seconds=self.settings.lease_seconds)
        if claim is not leases.Claim.CLAIMED:
            log.info("delivery dropped: the import is finished or leased by a live worker")
            return
        with self.db.session() as session:
            job = session.get(ImportJob, job_id)
            assert job is not None
            session.expunge(job)
        heartbeat = Heartbeat(self.db, job_id, owner, self.settings.lease_seconds)
        heartbeat.start()
        try:
            self._run_with_retries(Attempt(job, owner, heartbeat, self.db, self.settings))
        finally:
            heartbeat.stop()

    def run_logged(self, job_id: str) -> None:
        """``run``, with the job id on every log line it writes."""
        with job_context(job_id):
            self.run(job_id)

    def _run_with_retries(self, attempt: Attempt) -> None:
        """Run the import; an outage of the database or object store is retried with backoff.

        Each retry starts the file from the beginning: nothing was written to the report yet,
        because the merge is one transaction at the end.
        """
        deadline = time.monotonic() + self.settings.retry_seconds
        delay = 1.0
        while True:
            try:
                self._process(attempt)
                return
            except LeaseLost:
                log.warning("lease lost; another worker has the import now")
                return
            except UserError as exc:  # the file or the request is at fault: say so as it is
                self._fail(attempt, str(exc))
                return
            except MemoryError:
                self._fail(attempt, "the import ran out of memory in the worker (SCANLIFT_WORKER_MEMORY_LIMIT_MB)")
                return
            except Exception as exc:
                if not is_transient(exc):
                    log.exception("import failed")
                    self._fail(attempt, f"internal error while importing: {describe(exc)}")
                    return
                if time.monotonic() + delay > deadline:
                    log.error("giving up after %.0f s of outage: %s", self.settings.retry_seconds, describe(exc))
                    self._fail(
                        attempt, f"a service stayed unavailable for {self.settings.retry_seconds} s: {describe(exc)}"
                    )
                    return
                log.warning("service unavailable (%s); retrying in %.0f s", describe(exc), delay)
                time.sleep(delay)
                delay = min(delay * 2, 30.0)

    def _process(self, attempt: Attempt) -> None:
        job = attempt.job
        with stages.read(self.storage, attempt) as reader:
            records = stages.transform(stages.parse(reader, job), job, self.transforms)
            counts = merging.merge(attempt, records, reader)
        finish(Finished(job, counts), self.finish_hooks)

    def _fail(self, attempt: Attempt, message: str) -> None:
        message = excerpt(message, self.settings.max_error_chars)
        log.info("import ended in ERROR: %s", message)
        try:
            with self.db.session() as session:
                recorded = leases.finish(
                    session, attempt.job.id, owner=attempt.owner, status=JobStatus.ERROR, error_status=message
                )
        except Exception as exc:
            if not is_transient(exc):
                raise
            # The database itself is down: the lease runs out and the sweeper takes over.
            log.error("could not record the error (%s); the sweeper will re-deliver the import", describe(exc))
            return
        if recorded:
            finish(Finished(attempt.job, None, message), self.finish_hooks)
