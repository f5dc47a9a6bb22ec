"""One worker's attempt at one job: the lease it holds, and its progress reports."""

from __future__ import annotations

from dataclasses import dataclass

from scanlift.db.engine import Database
from scanlift.jobs import leases
from scanlift.jobs.heartbeat import Heartbeat
from scanlift.jobs.models import ImportJob


class LeaseLost(Exception):
    """Another worker owns the job now (ours expired); stop without writing anything."""


@dataclass(frozen=True, slots=True)
class JobSettings:
    lease_seconds: int
    max_bytes: int
    #: How long an outage of the database or object store is retried before the job fails.
    retry_seconds: float = 300.0
    spool_dir: str | None = None
    #: How many imports may merge into PostgreSQL at once (``findings.locks``).
    merge_slots: int = 2
    #: ``errorStatus`` is returned on every poll of my-imports: a cause, never a dump.
    max_error_chars: int = 800


@dataclass(frozen=True, slots=True)
class Attempt:
    """The job (detached from any session), this worker's lease owner id, and its heartbeat."""

    job: ImportJob
    owner: str
    heartbeat: Heartbeat
    db: Database
    settings: JobSettings

    def check_lease(self) -> None:
        if self.heartbeat.lost.is_set():
            raise LeaseLost

    def report_progress(self, bytes_read: int, percent: int) -> None:
        """Record progress in its own short transaction; it also extends the lease."""
        with self.db.session() as session:
            if not leases.report_progress(
                session,
                self.job.id,
                owner=self.owner,
                processed_bytes=bytes_read,
                progress=percent,
                lease_seconds=self.settings.lease_seconds,
            ):
                raise LeaseLost

    def on_bytes_read(self, bytes_read: int) -> None:
        """Progress while reading: at most 99 %; 100 % comes with the merge's commit."""
        self.check_lease()
        self.report_progress(bytes_read, min(99, bytes_read * 100 // max(self.job.file_size, 1)))
