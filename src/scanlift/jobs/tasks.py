"""The Celery task: a thin shell that hands the job id to the pipeline of this worker process."""

from __future__ import annotations

import gc
import logging
import os
import resource
from typing import Any

from celery import Celery
from celery.signals import setup_logging, task_postrun, worker_process_init

from scanlift.config import Settings
from scanlift.jobs.memory import give_back
from scanlift.jobs.pipeline import ImportPipeline
from scanlift.jobs.queue import IMPORT_TASK
from scanlift.runtime import Runtime

log = logging.getLogger(__name__)

#: Python's cyclic collector in a pool process. An import allocates millions of short-lived
#: objects; under the default thresholds (700, 10, 10) the collector also ran full collections
#: over a heap that grows with the merge's index, again and again: 7 of the 17 CPU seconds of
#: merging a 1 GB .nessus (``bench/throughput_floor.py``). Reference counting frees nearly all
#: of an import's objects anyway; a young generation of 50,000 leaves 6 middle collections and
#: no full one in that merge.
GC_THRESHOLDS = (50_000, 10, 10)

# Each forked pool process builds its own runtime: connections must not cross a fork.
_runtimes: dict[int, Runtime] = {}


def _pipeline(settings: Settings) -> ImportPipeline:
    pid = os.getpid()
    if pid not in _runtimes:
        _runtimes.clear()
        _runtimes[pid] = Runtime(settings)
    return _runtimes[pid].pipeline


def register_tasks(app: Celery, settings: Settings) -> None:
    @app.task(name=IMPORT_TASK, ignore_result=True, acks_late=True)
    def run_import(job_id: str) -> None:
        _pipeline(settings).run_logged(job_id)

    @setup_logging.connect(weak=False)
    def _keep_scanlift_logging(**_kwargs: Any) -> None:
        """Connected, so that Celery leaves the (JSON) logging set up by scanlift alone."""

    limit_mb = settings.worker_memory_limit_mb

    @worker_process_init.connect(weak=False)
    def _prepare_pool_process(**_kwargs: Any) -> None:
        """Cap each pool process, so that a runaway parse fails with MemoryError on its own
        instead of drawing the machine into the OOM killer; and tune its collector for imports."""
        gc.set_threshold(*GC_THRESHOLDS)
        if limit_mb:
            limit = limit_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        if settings.worker_nice:
            # Imports are batch work: on a shared host the API's requests go first.
            os.nice(settings.worker_nice)

    @task_postrun.connect(weak=False)
    def _give_memory_back(**_kwargs: Any) -> None:
        """An idle worker should not hold the memory of the import it just ran (``jobs.memory``)."""
        give_back()
