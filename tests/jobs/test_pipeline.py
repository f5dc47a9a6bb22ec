"""The worker pipeline in-process, against real SQLite and PostgreSQL databases and the local store."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import update

from scanlift.db.base import utcnow
from scanlift.jobs import leases
from scanlift.jobs.models import ImportJob, JobStatus
from scanlift.jobs.tags import ImportTags
from tests.support.harness import Harness
from tests.support.profiles import BOTH_DATABASES
from tests.support.state import state_digest

pytestmark = pytest.mark.parametrize("database", BOTH_DATABASES, indirect=True)


def _nessus(corpus_dir: Path, name: str) -> bytes:
    return (corpus_dir / "nessus" / name).read_bytes()


def test_import_completes_with_counts_from_the_file(harness: Harness, corpus_dir: Path) -> None:
    content = _nessus(corpus_dir, "nessus_v_unknown.xml")
    job = harness.run(content)
    assert (job.status, job.error_status, job.progress) == (JobStatus.COMPLETE, None, 100)
    tree = etree.fromstring(content)
    plugin_ids = {item.get("pluginID") for item in tree.iter("ReportItem")}
    hosts = {host.get("name") for host in tree.iter("ReportHost")}
    pairs = {(item.get("pluginID"), item.getparent().get("name")) for item in tree.iter("ReportItem")}
    assert job.processed_findings == len(plugin_ids)
    assert job.processed_assets == len(hosts)
    assert job.processed_finding_assets == len(pairs)
    assert job.processed_bytes == len(content)
    state = harness.state()
    assert {row[0] for row in state["findings"]} == plugin_ids  # type: ignore[attr-defined]
    cves = {c.upper() for c in re.findall(r"CVE-\d{4}-\d{4,}", content.decode(errors="replace"), re.I)}
    stored = {cve["name"] for row in state["findings"] for cve in row[8]["CVE"]}  # type: ignore[attr-defined]
    assert cves <= stored


def test_reimporting_the_same_file_changes_nothing(harness: Harness, corpus_dir: Path) -> None:
    content = _nessus(corpus_dir, "nessus_v_unknown.xml")
    first = harness.run(content)
    before = state_digest(harness.state())
    second = harness.run(content)
    assert second.status == JobStatus.COMPLETE
    assert state_digest(harness.state()) == before
    counts = ("processed_findings", "processed_assets", "processed_finding_assets", "processed_evidence")
    assert [getattr(first, c) for c in counts] == [getattr(second, c) for c in counts]


def test_a_second_scan_adds_only_what_is_new(harness: Harness) -> None:
    def scan(title: str, hosts: dict[str, list[tuple[str, str, str]]]) -> bytes:
        body = "".join(
            f'<ReportHost name="{host}"><HostProperties><tag name="host-ip">{host}</tag></HostProperties>'
            + "".join(
                f'<ReportItem port="{port}" svc_name="www" protocol="tcp" severity="2" pluginID="{plugin}" '
                f'pluginName="{title if plugin == "100" else "Other " + plugin}"><description>{title}</description>'
                f"<plugin_output>{output}</plugin_output></ReportItem>"
                for plugin, port, output in items
            )
            + "</ReportHost>"
            for host, items in hosts.items()
        )
        return f'<NessusClientData_v2><Report name="r">{body}</Report></NessusClientData_v2>'.encode()

    harness.run(scan("Old title", {"10.0.0.1": [("100", "80", "banner A")]}))
    harness.run(
        scan(
            "New title",
            {
                "10.0.0.1": [("100", "443", "banner B"), ("200", "22", "ssh")],
                "10.0.0.2": [("100", "80", "banner A")],
            },
        )
    )
    state = harness.state()
    findings = {row[0]: row for row in state["findings"]}  # type: ignore[attr-defined]
    assert set(findings) == {"100", "200"}
    assert findings["100"][1] == "Old title"  # an existing finding keeps its text
    affected = {(row[0], row[1]): row for row in state["affected"]}  # type: ignore[attr-defined]
    assert set(affected) == {("100", "10.0.0.1"), ("100", "10.0.0.2"), ("200", "10.0.0.1")}
    assert [p[0] for p in affected[("100", "10.0.0.1")][4]] == ["443", "80"]  # new port on an existing pair
    assert len(affected[("100", "10.0.0.1")][5]) == 2  # and new evidence beside the old


def test_tags_go_to_touched_assets_and_findings(harness: Harness, corpus_dir: Path) -> None:
    harness.run(_nessus(corpus_dir, "nessus_many_vuln.xml"), tags=ImportTags(["dmz"], ["q4"]))
    state = harness.state()
    assert all(row[9] == ["dmz"] for row in state["assets"])  # type: ignore[attr-defined]
    assert all("q4" in row[7] for row in state["findings"])  # type: ignore[attr-defined]


BAD_FILES = {
    "not XML": (b"hello, this is plain text\n", "not XML"),
    "truncated": (
        b"<NessusClientData_v2><Report><ReportHost name='h'><ReportItem pluginID='1'>",
        "truncated",
    ),
    "XXE": (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<NessusClientData_v2>&x;</NessusClientData_v2>",
        "entit",
    ),
    "billion laughs": (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<NessusClientData_v2>&b;</NessusClientData_v2>",
        "entit",
    ),
    "external DTD and wrong root": (
        b'<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd"><x/>',
        "root element is <x>",
    ),
    "wrong source": (
        b'<?xml version="1.0"?><issues burpVersion="2"><issue/></issues>',
        "root element is <issues>",
    ),
    "empty": (b"", "the file is empty"),
    "binary": (bytes(range(256)) * 64, "binary data"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_end_in_error_and_leave_the_report_untouched(harness: Harness, corpus_dir: Path, case: str) -> None:
    harness.run(_nessus(corpus_dir, "nessus_many_vuln.xml"))
    before = state_digest(harness.state())
    content, cause = BAD_FILES[case]
    job = harness.run(content)
    assert job.status == JobStatus.ERROR
    assert job.error_status is not None
    assert job.error_status.startswith("invalid nessus file: ")
    assert cause in job.error_status
    assert state_digest(harness.state()) == before
    # The same worker goes on to the next job.
    assert harness.run(_nessus(corpus_dir, "issue_6992.nessus")).status == JobStatus.COMPLETE


def test_a_file_bad_near_its_end_leaves_nothing_behind(harness: Harness, corpus_dir: Path) -> None:
    content = _nessus(corpus_dir, "nessus_v_unknown.xml")
    broken = content[: int(len(content) * 0.95)]
    job = harness.run(broken)
    assert job.status == JobStatus.ERROR
    assert "truncated" in (job.error_status or "")
    assert harness.state() == {"assets": [], "findings": [], "affected": []}


def test_unsupported_source_is_a_clear_error(harness: Harness) -> None:
    job = harness.run(b"<x/>", source="custom")
    assert job.status == JobStatus.ERROR
    assert "unsupported source 'custom'" in (job.error_status or "")


def test_duplicate_deliveries_are_dropped(harness: Harness, corpus_dir: Path) -> None:
    job_id = harness.queue(_nessus(corpus_dir, "nessus_many_vuln.xml"))
    with harness.runtime.db.session() as session:
        assert leases.claim(session, job_id, owner="other-worker", lease_seconds=60) is leases.Claim.CLAIMED
    harness.pipeline.run(job_id)  # leased by a live worker: this delivery does nothing
    job = harness.job(job_id)
    assert (job.status, job.lease_owner, job.attempts) == (JobStatus.PROCESSING, "other-worker", 1)
    with harness.runtime.db.session() as session:
        session.execute(
            update(ImportJob).where(ImportJob.id == job_id).values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )
    harness.pipeline.run(job_id)  # the lease expired: this worker takes over and finishes
    assert harness.job(job_id).status == JobStatus.COMPLETE
    harness.pipeline.run(job_id)  # finished: dropped
    assert harness.job(job_id).attempts == 2


def test_a_worker_that_lost_its_lease_writes_nothing(harness: Harness, corpus_dir: Path) -> None:
    job_id = harness.queue(_nessus(corpus_dir, "nessus_many_vuln.xml"))
    with harness.runtime.db.session() as session:
        assert leases.claim(session, job_id, owner="slow-worker", lease_seconds=60) is leases.Claim.CLAIMED
        session.execute(update(ImportJob).where(ImportJob.id == job_id).values(lease_owner="new-owner"))
    with harness.runtime.db.session() as session:
        assert not leases.finish(session, job_id, owner="slow-worker", status=JobStatus.COMPLETE)
        assert not leases.heartbeat(session, job_id, owner="slow-worker", lease_seconds=60)
    assert harness.job(job_id).status == JobStatus.PROCESSING
