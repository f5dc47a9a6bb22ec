"""The merge stage: records into the report, in ONE transaction that also records IMPORT COMPLETE.

On PostgreSQL the merge runs while the parse goes on, batch by batch, under the client's merge
lock and a merge slot. On SQLite, or while another import merges into the same client or every
slot is taken, the parse goes into a private spool first and the merge waits for the locks.
Either way a bad file ends as ERROR with the report untouched: nothing commits unless the parse
ends cleanly and the lease is still ours.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from sqlalchemy.orm import Session

from scanlift.db.engine import is_sqlite
from scanlift.findings.locks import lock_for_merge
from scanlift.findings.merge import MergeCounts, MergeTarget, ReportMerger
from scanlift.jobs import leases
from scanlift.jobs.attempt import Attempt, LeaseLost
from scanlift.jobs.models import JobStatus
from scanlift.jobs.prefetch import prefetched_batches
from scanlift.jobs.progress import CountingReader
from scanlift.jobs.spool import RecordSpool
from scanlift.parsers.base import ScanRecord

log = logging.getLogger(__name__)

#: Records per batch when merging while parsing: small enough to overlap parse and merge finely.
STREAM_BATCH_SIZE = 2000


def merge(attempt: Attempt, records: Iterator[ScanRecord], reader: CountingReader) -> MergeCounts:
    """Merge every record into the job's report and commit it with IMPORT COMPLETE."""
    counts = _merge_while_parsing(attempt, records, reader)
    if counts is not None:
        return counts
    with RecordSpool(attempt.settings.spool_dir) as spool:
        for record in records:
            spool.append(record)
        # 99 % once every byte is read and parsed; 100 % comes with the merge's commit.
        attempt.report_progress(reader.bytes_read, 99)
        with attempt.db.session() as session:
            lock_for_merge(session, attempt.job.client_id, slots=attempt.settings.merge_slots, wait=True)
            return _merge_and_complete(session, attempt, spool.batches(), reader)


def _merge_while_parsing(attempt: Attempt, records: Iterator[ScanRecord], reader: CountingReader) -> MergeCounts | None:
    """On PostgreSQL, merge each batch as soon as it is parsed, all in one transaction.

    None, with nothing read, on SQLite (its write lock would stall the API for the whole parse),
    or when another import is merging into the same client or every merge slot is taken.
    """
    if is_sqlite(attempt.db.engine):
        return None
    with attempt.db.session() as session:
        if not lock_for_merge(session, attempt.job.client_id, slots=attempt.settings.merge_slots, wait=False):
            log.info("other imports are merging (into this client, or in every slot); parsing into a spool")
            return None
        batches = prefetched_batches(records, batch_size=STREAM_BATCH_SIZE)
        return _merge_and_complete(session, attempt, batches, reader)


def _merge_and_complete(
    session: Session, attempt: Attempt, batches: Iterable[list[ScanRecord]], reader: CountingReader
) -> MergeCounts:
    """Merge every batch and record IMPORT COMPLETE in the caller's transaction, which holds the
    client's merge lock. The final status proves the lease: if another worker owns the job now,
    nothing commits."""
    job = attempt.job
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
        owner=attempt.owner,
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
