"""The sweeper re-delivers jobs of dead workers, gives up after the attempt cap, and purges."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from scanlift.db.base import utcnow
from scanlift.jobs import leases
from scanlift.jobs.models import ImportJob, JobStatus
from scanlift.jobs.sweeper import SweepPolicy, sweep_once
from scanlift.uploads.models import UploadKey
from tests.support.harness import Harness

POLICY = SweepPolicy(max_attempts=3, retention_seconds=3600)


def _queued_messages(harness: Harness) -> int:
    return len(list((harness.runtime.settings.queue_dir / "messages").glob("*.msg")))


def _crash_while_holding(harness: Harness, job_id: str) -> None:
    """What a kill -9 leaves behind: a claimed job whose lease then runs out."""
    with harness.runtime.db.session() as session:
        assert leases.claim(session, job_id, owner="dead-worker", lease_seconds=60) is leases.Claim.CLAIMED
        session.execute(
            update(ImportJob).where(ImportJob.id == job_id).values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )


def _sweep(harness: Harness) -> object:
    runtime = harness.runtime
    return sweep_once(runtime.db, runtime.queue, runtime.storage, POLICY)


def test_expired_lease_is_redelivered_and_then_completes(harness: Harness, corpus_dir: Path) -> None:
    job_id = harness.queue((corpus_dir / "nessus" / "nessus_many_vuln.xml").read_bytes())
    _crash_while_holding(harness, job_id)
    before = _queued_messages(harness)
    result = _sweep(harness)
    assert result.redelivered == [job_id]  # type: ignore[attr-defined]
    job = harness.job(job_id)
    assert (job.status, job.lease_owner, job.attempts) == (JobStatus.IN_QUEUE, None, 1)
    assert job.enqueued_at is not None
    assert _queued_messages(harness) == before + 1
    harness.pipeline.run(job_id)
    assert harness.job(job_id).status == JobStatus.COMPLETE


def test_a_job_that_keeps_killing_its_worker_ends_in_error(harness: Harness, corpus_dir: Path) -> None:
    job_id = harness.queue((corpus_dir / "nessus" / "nessus_many_vuln.xml").read_bytes())
    for _ in range(POLICY.max_attempts):
        _crash_while_holding(harness, job_id)
        _sweep(harness)
    job = harness.job(job_id)
    assert job.status == JobStatus.ERROR
    assert job.attempts == 3
    assert "stopped unexpectedly 3 times" in (job.error_status or "")
    assert harness.state() == {"assets": [], "findings": [], "affected": []}


def test_a_live_lease_is_left_alone(harness: Harness, corpus_dir: Path) -> None:
    job_id = harness.queue((corpus_dir / "nessus" / "nessus_many_vuln.xml").read_bytes())
    with harness.runtime.db.session() as session:
        leases.claim(session, job_id, owner="busy-worker", lease_seconds=60)
    assert _sweep(harness).redelivered == []  # type: ignore[attr-defined]
    assert harness.job(job_id).lease_owner == "busy-worker"


def _sent(harness: Harness, job_id: str, *, ago: timedelta, sends: int | None = None) -> None:
    """Pretend the job's last message went out ``ago`` (after ``sends`` messages in all)."""
    values: dict[str, object] = {"enqueued_at": utcnow() - ago, "created_at": utcnow() - ago}
    if sends is not None:
        values["sends"] = sends
    with harness.runtime.db.session() as session:
        session.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values))


def test_a_queued_job_whose_message_was_lost_is_sent_again(harness: Harness, corpus_dir: Path) -> None:
    job_id = harness.queue((corpus_dir / "nessus" / "nessus_many_vuln.xml").read_bytes())
    _sent(harness, job_id, ago=timedelta(minutes=5), sends=1)
    messages = _queued_messages(harness)
    assert _sweep(harness).resent == [job_id]  # type: ignore[attr-defined]
    assert _sweep(harness).resent == []  # type: ignore[attr-defined]
    assert _queued_messages(harness) == messages + 1
    assert harness.job(job_id).sends == 2


def test_a_long_wait_in_the_queue_sends_ever_fewer_duplicates(harness: Harness, corpus_dir: Path) -> None:
    """Every worker busy for hours: the wait before each re-send doubles, up to an hour."""
    job_id = harness.queue((corpus_dir / "nessus" / "nessus_many_vuln.xml").read_bytes())
    for sends, due_after in [(1, 60), (2, 120), (3, 240), (4, 480), (7, 3600), (30, 3600)]:
        _sent(harness, job_id, ago=timedelta(seconds=due_after - 5), sends=sends)
        assert _sweep(harness).resent == [], sends  # type: ignore[attr-defined]
        _sent(harness, job_id, ago=timedelta(seconds=due_after + 5), sends=sends)
        assert _sweep(harness).resent == [job_id], sends  # type: ignore[attr-defined]
        assert harness.job(job_id).sends == sends + 1


def test_a_redelivered_job_starts_a_new_count_of_sends(harness: Harness, corpus_dir: Path) -> None:
    job_id = harness.queue((corpus_dir / "nessus" / "nessus_many_vuln.xml").read_bytes())
    _sent(harness, job_id, ago=timedelta(hours=5), sends=9)
    _crash_while_holding(harness, job_id)
    assert _sweep(harness).redelivered == [job_id]  # type: ignore[attr-defined]
    job = harness.job(job_id)
    assert (job.status, job.sends) == (JobStatus.IN_QUEUE, 1)
    # Its message may be lost again: the next re-send comes after a minute, not an hour.
    _sent(harness, job_id, ago=timedelta(seconds=65))
    assert _sweep(harness).resent == [job_id]  # type: ignore[attr-defined]


def test_finished_jobs_are_purged_after_retention(harness: Harness, corpus_dir: Path) -> None:
    job = harness.run((corpus_dir / "nessus" / "nessus_many_vuln.xml").read_bytes())
    assert _sweep(harness).purged == 0  # type: ignore[attr-defined]
    with harness.runtime.db.session() as session:
        session.execute(
            update(ImportJob).where(ImportJob.id == job.id).values(last_updated_at=utcnow() - timedelta(hours=2))
        )
    assert _sweep(harness).purged == 1  # type: ignore[attr-defined]
    with harness.runtime.db.session() as session:
        assert session.get(ImportJob, job.id) is None
        assert session.get(UploadKey, job.file_location) is None
    assert harness.state()["findings"], "purging a job never touches the report"
