"""The worker pipeline in-process, against the real SQLite database and local store."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import update

from scanlift.auth.models import User
from scanlift.clients.models import Client, Report
from scanlift.db.base import utcnow
from scanlift.imports import leases
from scanlift.imports.models import ImportJob, JobStatus
from scanlift.imports.pipeline import ImportPipeline, JobSettings
from scanlift.imports.service import ImportRequest, create_job
from scanlift.imports.tags import ImportTags
from scanlift.runtime import Runtime
from scanlift.uploads.keys import new_key
from scanlift.uploads.models import UploadKey
from scanlift.uploads.storage.local import LocalObjectStore
from tests.conftest import make_user
from tests.support.state import report_state, state_digest


class Harness:
    """A user with one client and report, and helpers to upload and import files."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.user: User = make_user(runtime, f"{uuid.uuid4().hex[:8]}@example.com")
        with runtime.db.session() as session:
            client = Client(tenant_id=0, name="ACME")
            session.add(client)
            session.flush()
            report = Report(tenant_id=0, client_id=client.id, name="R")
            session.add(report)
            session.flush()
            self.client_id, self.report_id = client.id, report.id
        self.pipeline = ImportPipeline(runtime.db, runtime.storage, JobSettings(lease_seconds=30, max_bytes=10**9))

    def upload(self, content: bytes, name: str = "scan.nessus") -> str:
        store = self.runtime.storage
        assert isinstance(store, LocalObjectStore)
        key = new_key(name)
        path = store.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        with self.runtime.db.session() as session:
            session.add(UploadKey(key=key, tenant_id=0, user_id=self.user.id, file_name=name, expires_at=utcnow()))
        return key

    def queue(self, content: bytes, source: str = "nessus", tags: ImportTags | None = None) -> str:
        key = self.upload(content)
        with self.runtime.db.session() as session:
            user = session.get(User, self.user.id)
            assert user is not None
            job = create_job(
                session,
                self.runtime.storage,
                user,
                client_id=self.client_id,
                report_id=self.report_id,
                request=ImportRequest(source, key, "scan.nessus", tags or ImportTags([], []), False),
            )
            return job.id

    def run(self, content: bytes, source: str = "nessus", tags: ImportTags | None = None) -> ImportJob:
        job_id = self.queue(content, source, tags)
        self.pipeline.run(job_id)
        return self.job(job_id)

    def job(self, job_id: str) -> ImportJob:
        with self.runtime.db.session() as session:
            job = session.get(ImportJob, job_id)
            assert job is not None
            return job

    def state(self) -> dict[str, object]:
        with self.runtime.db.session() as session:
            return report_state(session, client_id=self.client_id, report_id=self.report_id)


@pytest.fixture
def harness(runtime: Runtime) -> Harness:
    return Harness(runtime)


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
    "truncated": (b"<NessusClientData_v2><Report><ReportHost name='h'><ReportItem pluginID='1'>", "truncated"),
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
    "external DTD and wrong root": (b'<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd"><x/>', "root element is <x>"),
    "wrong source": (b'<?xml version="1.0"?><issues burpVersion="2"><issue/></issues>', "root element is <issues>"),
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
        session.execute(update(ImportJob).where(ImportJob.id == job_id).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
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
