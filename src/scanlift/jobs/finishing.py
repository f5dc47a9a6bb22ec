"""The finish stage: what happens after a job's outcome is committed.

The pipeline calls every finish hook once per finished job, after the commit, with the outcome.
Hooks must not fail the job (it is already committed): an exception in one is logged and the
others still run. Import events and webhooks plug in here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from scanlift.db.engine import Database
from scanlift.db.statistics import ANALYZE_AFTER_ROWS, refresh_statistics
from scanlift.findings.merge import BULK_TABLES, MergeCounts
from scanlift.jobs.models import ImportJob

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Finished:
    job: ImportJob
    #: The merge's counts when the import completed; None when it ended in ERROR.
    counts: MergeCounts | None
    error_status: str | None = None


FinishHook = Callable[[Finished], None]


def finish(outcome: Finished, hooks: tuple[FinishHook, ...]) -> None:
    for hook in hooks:
        try:
            hook(outcome)
        except Exception:
            log.exception("finish hook %s failed for import %s", getattr(hook, "__name__", hook), outcome.job.id)


def log_completion(outcome: Finished) -> None:
    counts = outcome.counts
    if counts is None:
        return  # the pipeline logged the error as it recorded it
    log.info(
        "import %s complete: %d findings, %d assets, %d affected assets, %d evidence",
        outcome.job.id,
        counts.findings,
        counts.assets,
        counts.finding_assets,
        counts.evidence,
    )


def statistics_refresher(db: Database) -> FinishHook:
    """A hook that brings the planner's statistics up to date after a large import."""

    def refresh_after_large_imports(outcome: Finished) -> None:
        counts = outcome.counts
        if counts is not None and counts.finding_assets + counts.evidence >= ANALYZE_AFTER_ROWS:
            refresh_statistics(db, BULK_TABLES)

    return refresh_after_large_imports
