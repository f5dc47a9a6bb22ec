"""Leases follow the database's clock, so a host whose clock is off cannot disturb them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from scanlift.db import clock
from scanlift.db.base import utcnow
from scanlift.jobs import leases
from scanlift.jobs.models import JobStatus
from scanlift.jobs.sweeper import SweepPolicy, sweep_once
from tests.support.harness import Harness

pytestmark = pytest.mark.parametrize("database", ["postgresql"], indirect=True)

SKEW = timedelta(minutes=10)


def test_a_sweeper_on_a_host_whose_clock_runs_ahead_leaves_a_live_lease_alone(
    harness: Harness, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = harness.queue((corpus_dir / "nessus" / "nessus_many_vuln.xml").read_bytes())
    with harness.runtime.db.session() as session:
        assert leases.claim(session, job_id, owner="live-worker", lease_seconds=60) is leases.Claim.CLAIMED
    expires = harness.job(job_id).lease_expires_at
    assert expires is not None
    assert abs(expires - (utcnow() + timedelta(seconds=60))) < timedelta(seconds=5)

    # This host's clock is ten minutes ahead: by it, the lease ran out long ago. (The sweeper
    # reads no clock of its own: every time it compares comes from ``clock.database_now``.)
    monkeypatch.setattr(clock, "utcnow", lambda: utcnow() + SKEW)
    runtime = harness.runtime
    result = sweep_once(runtime.db, runtime.queue, runtime.storage, SweepPolicy(max_attempts=3, retention_seconds=3600))
    assert result.redelivered == []
    job = harness.job(job_id)
    assert (job.status, job.lease_owner, job.attempts) == (JobStatus.PROCESSING, "live-worker", 1)

    # A heartbeat from the skewed host extends the lease by the database's clock, not its own.
    with harness.runtime.db.session() as session:
        assert leases.heartbeat(session, job_id, owner="live-worker", lease_seconds=60)
    expires = harness.job(job_id).lease_expires_at
    assert expires is not None
    assert expires - utcnow() < timedelta(seconds=65)
