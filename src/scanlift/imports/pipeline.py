"""One import, start to finish, inside a worker process.

claim → stream the object through a counting reader → parse → merge into the report in ONE
transaction that also records IMPORT COMPLETE. On PostgreSQL the merge runs while the parse goes
on, batch by batch; on SQLite, or while another import merges into the same client, the parse
goes into a private spool first. Either way a bad file ends as ERROR with the report untouched,
and a crash at any point leaves nothing half-written: the sweeper re-delivers the job and the
next attempt starts clean.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from scanlift.db.engine import Database, is_sqlite
from scanlift.db.statistics import ANALYZE_AFTER_ROWS, refresh_statistics
from scanlift.errors import UserError
from scanlift.findings.locks import lock_for_merge
from scanlift.findings.merge import BULK_TABLES, MergeCounts, MergeTarget, ReportMerger
from scanlift.imports import leases
from scanlift.imports.models import ImportJob, JobKind, JobStatus
from scanlift.imports.prefetch import prefetched_batches
from scanlift.imports.progress import CountingReader
from scanlift.imports.spool import RecordSpool
from scanlift.logs import job_context
from scanlift.parsers.base import InvalidFile, Parser, ScanRecord
from scanlift.parsers.registry import ASSET_SOURCES, parser_for
from scanlift.parsers.runner import parse_stream
from scanlift.transient import describe, is_transient
from scanlift.uploads.storage import ObjectStore

log = logging.getLogger(__name__)

#: Records per batch when merging while parsing: small enough to overlap parse and merge finely.
STREAM_BATCH_SIZE = 2000


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


class ImportPipeline:
    def __init__(self, db: Database, storage: ObjectStore, settings: JobSettings) -> None:
        self.db = db
        self.storage = storage
        self.settings = settings

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
        keeper = _LeaseKeeper(self.db, job_id, owner, self.settings.lease_seconds)
        keeper.start()
        try:
            self._run_with_retries(job, owner, keeper)
        finally:
            keeper.stop()

    def run_logged(self, job_id: str) -> None:
        """``run``, with the job id on every log line it writes."""
        with job_context(job_id):
            self.run(job_id)

    def _run_with_retries(self, job: ImportJob, owner: str, keeper: _LeaseKeeper) -> None:
        """Run the import; an outage of the database or object store is retried with backoff.

        Each retry starts the file from the beginning: nothing was written to the report yet,
        because the merge is one transaction at the end.
        """
        deadline = time.monotonic() + self.settings.retry_seconds
        delay = 1.0
        while True:
            try:
                self._process(job, owner, keeper)
                return
            except LeaseLost:
                log.warning("lease lost; another worker has the import now")
                return
            except UserError as exc:  # the file or the request is at fault: say so as it is
                self._fail(job, owner, str(exc))
                return
            except MemoryError:
                self._fail(job, owner, "the import ran out of memory in the worker (SCANLIFT_WORKER_MEMORY_LIMIT_MB)")
                return
            except Exception as exc:
                if not is_transient(exc):
                    log.exception("import failed")
                    self._fail(job, owner, f"internal error while importing: {describe(exc)}")
                    return
                if time.monotonic() + delay > deadline:
                    log.error("giving up after %.0f s of outage: %s", self.settings.retry_seconds, describe(exc))
                    self._fail(
                        job, owner, f"a service stayed unavailable for {self.settings.retry_seconds} s: {describe(exc)}"
                    )
                    return
                log.warning("service unavailable (%s); retrying in %.0f s", describe(exc), delay)
                time.sleep(delay)
                delay = min(delay * 2, 30.0)

    def _process(self, job: ImportJob, owner: str, keeper: _LeaseKeeper) -> None:
        if job.file_size > self.settings.max_bytes:
            raise InvalidFile(job.source, f"the file is {job.file_size} bytes; the limit is {self.settings.max_bytes}")

        def on_progress(bytes_read: int) -> None:
            if keeper.lost.is_set():
                raise LeaseLost
            self._report_progress(job, owner, bytes_read, min(99, bytes_read * 100 // max(job.file_size, 1)))

        with self.storage.open(job.file_location) as raw:
            reader = CountingReader(raw, on_progress)
            records = parse_stream(reader, source=job.source, filename=job.original_filename, parser=_asset_parser(job))
            counts = self._merge_while_parsing(job, owner, records, reader)
            if counts is None:
                with RecordSpool(self.settings.spool_dir) as spool:
                    for record in records:
                        spool.append(record)
                    # 99 % once every byte is read and parsed; 100 % comes with the merge's commit.
                    self._report_progress(job, owner, reader.bytes_read, 99)
                    with self.db.session() as session:
                        lock_for_merge(session, job.client_id, slots=self.settings.merge_slots, wait=True)
                        counts = self._merge(session, job, owner, spool.batches(), reader)
        self._completed(job, counts)

    def _merge_while_parsing(
        self, job: ImportJob, owner: str, records: Iterator[ScanRecord], reader: CountingReader
    ) -> MergeCounts | None:
        """On PostgreSQL, merge each batch as soon as it is parsed, all in one transaction.

        It commits only if the parse ends cleanly, so a bad file still leaves the report untouched.
        None, with nothing read, on SQLite (its write lock would stall the API for the whole
        parse), or when another import is merging into the same client or every merge slot is
        taken: then the caller parses into a spool first and waits for the locks only to merge.
        """
        if is_sqlite(self.db.engine):
            return None
        with self.db.session() as session:
            if not lock_for_merge(session, job.client_id, slots=self.settings.merge_slots, wait=False):
                log.info("other imports are merging (into this client, or in every slot); parsing into a spool")
                return None
            batches = prefetched_batches(records, batch_size=STREAM_BATCH_SIZE)
            return self._merge(session, job, owner, batches, reader)

    def _report_progress(self, job: ImportJob, owner: str, bytes_read: int, percent: int) -> None:
        """Record progress in its own short transaction; it also extends the lease."""
        with self.db.session() as session:
            if not leases.report_progress(
                session,
                job.id,
                owner=owner,
                processed_bytes=bytes_read,
                progress=percent,
                lease_seconds=self.settings.lease_seconds,
            ):
                raise LeaseLost

    def _merge(
        self, session: Session, job: ImportJob, owner: str, batches: Iterable[list[ScanRecord]], reader: CountingReader
    ) -> MergeCounts:
        """Merge every batch and record IMPORT COMPLETE in the caller's transaction, which holds
        the client's merge lock. The final status proves the lease: if another worker owns the
        job now, nothing commits."""
        target = MergeTarget(
            client_id=job.client_id,
            report_id=job.report_id,
            source=job.source,
            asset_tags=job.asset_tags,
            finding_tags=job.finding_tags,
        )
        merger = ReportMerger(session, target)
        for batch in batches:
            merger.add(batch)
        counts = merger.finish()
        if not leases.finish(
            session,
            job.id,
            owner=owner,
            status=JobStatus.COMPLETE,
            progress=100,
            processed_bytes=reader.bytes_read,
            processed_findings=counts.findings,
            processed_assets=counts.assets,
            processed_finding_assets=counts.finding_assets,
            processed_evidence=counts.evidence,
            error_status=None,
        ):
            raise LeaseLost
        return counts

    def _completed(self, job: ImportJob, counts: MergeCounts) -> None:
        """After the commit: say so, and bring the planner up to date after a large import."""
        log.info(
            "import %s complete: %d findings, %d assets, %d affected assets, %d evidence",
            job.id,
            counts.findings,
            counts.assets,
            counts.finding_assets,
            counts.evidence,
        )
        if counts.finding_assets + counts.evidence >= ANALYZE_AFTER_ROWS:
            refresh_statistics(self.db, BULK_TABLES)

    def _fail(self, job: ImportJob, owner: str, message: str) -> None:
        log.info("import ended in ERROR: %s", message)
        try:
            with self.db.session() as session:
                leases.finish(session, job.id, owner=owner, status=JobStatus.ERROR, error_status=message)
        except Exception as exc:
            if not is_transient(exc):
                raise
            # The database itself is down: the lease runs out and the sweeper takes over.
            log.error("could not record the error (%s); the sweeper will re-deliver the import", describe(exc))


def _asset_parser(job: ImportJob) -> Parser | None:
    """Asset imports name their parser by PlexTrac's asset-import ids; file imports choose their own."""
    return parser_for(ASSET_SOURCES[job.source]) if job.kind == JobKind.ASSETS else None


class _LeaseKeeper:
    """Extends the job's lease from a background thread, so that slow phases never lose it."""

    def __init__(self, db: Database, job_id: str, owner: str, lease_seconds: int) -> None:
        self._db = db
        self._job_id = job_id
        self._owner = owner
        self._lease_seconds = lease_seconds
        self._stop = threading.Event()
        self.lost = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{job_id[:8]}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        interval = max(1.0, self._lease_seconds / 4)
        while not self._stop.wait(interval):
            try:
                with self._db.session() as session:
                    held = leases.heartbeat(session, self._job_id, owner=self._owner, lease_seconds=self._lease_seconds)
            except OperationalError:
                continue  # busy database: try again on the next beat
            if not held and not self._stop.is_set():
                self.lost.set()
                return
