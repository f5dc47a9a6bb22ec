"""Imports into one client merge one at a time, on PostgreSQL, without losing parallel parsing."""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack
from pathlib import Path

import pytest

from scanlift.findings.locks import lock_for_merge
from scanlift.jobs.models import JobStatus
from tests.support.harness import Harness
from tests.support.state import state_digest

pytestmark = pytest.mark.parametrize("database", ["postgresql"], indirect=True)


def _nessus(corpus_dir: Path, name: str) -> bytes:
    return (corpus_dir / "nessus" / name).read_bytes()


def _wait_for(condition: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_an_import_waits_for_the_merge_lock_after_parsing_into_a_spool(harness: Harness, corpus_dir: Path) -> None:
    content = _nessus(corpus_dir, "nessus_v_unknown.xml")
    job_id = harness.queue(content)
    with harness.runtime.db.session() as session:
        lock_for_merge(session, harness.client_id, slots=2, wait=True)  # another import is merging
        worker = threading.Thread(target=harness.pipeline.run, args=(job_id,))
        worker.start()
        # The whole file is read and parsed meanwhile, and nothing is in the report yet.
        _wait_for(lambda: harness.job(job_id).progress == 99)
        time.sleep(0.5)
        job = harness.job(job_id)
        assert (job.status, job.processed_bytes) == (JobStatus.PROCESSING, len(content))
        assert harness.state() == {"assets": [], "findings": [], "affected": []}
    worker.join(timeout=60)
    assert harness.job(job_id).status == JobStatus.COMPLETE

    # The same file imported the usual way (merged while parsing) adds nothing: same result.
    before = state_digest(harness.state())
    assert harness.run(content).status == JobStatus.COMPLETE
    assert state_digest(harness.state()) == before


def test_a_merge_while_parsing_holds_the_lock_until_it_commits(harness: Harness, corpus_dir: Path) -> None:
    job_id = harness.queue(_nessus(corpus_dir, "nessus_many_vuln.xml"))
    harness.pipeline.run(job_id)
    with harness.runtime.db.session() as session:
        # Free again once the import has committed or rolled back.
        assert lock_for_merge(session, harness.client_id, slots=1, wait=False)


def test_an_import_waits_for_a_free_merge_slot(harness: Harness, corpus_dir: Path) -> None:
    content = _nessus(corpus_dir, "nessus_many_vuln.xml")
    job_id = harness.queue(content)
    slots = harness.pipeline.settings.merge_slots
    with ExitStack() as others:
        for _ in range(slots):  # imports into other clients, each in its own transaction, fill every slot
            session = others.enter_context(harness.runtime.db.session())
            assert lock_for_merge(session, Harness(harness.runtime).client_id, slots=slots, wait=False)
        with harness.runtime.db.session() as session:
            assert not lock_for_merge(session, harness.client_id, slots=slots, wait=False)
        worker = threading.Thread(target=harness.pipeline.run, args=(job_id,))
        worker.start()
        _wait_for(lambda: harness.job(job_id).progress == 99)
        time.sleep(0.5)
        assert harness.job(job_id).status == JobStatus.PROCESSING
    worker.join(timeout=60)
    assert harness.job(job_id).status == JobStatus.COMPLETE


def test_concurrent_imports_into_one_report_neither_duplicate_nor_lose_rows(harness: Harness, corpus_dir: Path) -> None:
    files = [_nessus(corpus_dir, name) for name in ("nessus_v_unknown.xml", "nessus_many_vuln.xml")]
    # The two files share plugins; the first import of a finding sets its text, so either order
    # of the two files is a correct outcome.
    outcomes = set()
    for order in (files, files[::-1]):
        sequential = Harness(harness.runtime)
        for content in order:
            assert sequential.run(content).status == JobStatus.COMPLETE
        outcomes.add(state_digest(sequential.state()))

    job_ids = [harness.queue(files[i % 2]) for i in range(6)]
    workers = [threading.Thread(target=harness.pipeline.run, args=(job_id,)) for job_id in job_ids]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [harness.job(job_id).status for job_id in job_ids] == [JobStatus.COMPLETE] * 6
    assert state_digest(harness.state()) in outcomes
