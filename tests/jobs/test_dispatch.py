"""One dispatch for the API and the sweeper: a send is recorded, a refused one is logged and left
for the sweeper."""

from __future__ import annotations

import logging

import pytest

from scanlift.jobs.dispatch import dispatch
from scanlift.jobs.models import JobStatus
from tests.support.harness import Harness


def _refuse(job_id: str) -> None:
    raise ConnectionRefusedError("broker down")


def test_each_send_is_counted_with_its_time(harness: Harness) -> None:
    runtime = harness.runtime
    job_id = harness.queue(b"<NessusClientData_v2/>")
    assert dispatch(runtime.db, runtime.queue, job_id) is True
    first = harness.job(job_id)
    assert (first.sends, first.status) == (1, JobStatus.IN_QUEUE)
    assert first.enqueued_at is not None
    assert dispatch(runtime.db, runtime.queue, job_id) is True
    assert harness.job(job_id).sends == 2


def test_a_refused_send_is_logged_and_recorded_as_never_sent(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = harness.runtime
    job_id = harness.queue(b"<NessusClientData_v2/>")
    monkeypatch.setattr(runtime.queue, "enqueue", _refuse)
    with caplog.at_level(logging.WARNING, logger="scanlift.jobs.dispatch"):
        assert dispatch(runtime.db, runtime.queue, job_id) is False
    job = harness.job(job_id)
    assert (job.sends, job.enqueued_at) == (0, None)  # the sweeper sends it later
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(job_id in message and "ConnectionRefusedError: broker down" in message for message in warnings)
