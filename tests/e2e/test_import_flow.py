"""The four-step flow over real HTTP against ``scanlift serve`` with its embedded worker.

Everything here runs on the embedded defaults: SQLite, the local object store, and Celery over
the file-system transport, in separate processes exactly as ``make run`` starts them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from scanlift.client import ImportClient
from tests.parsers.test_nessus_csv import dict_rows, host_of, plugin_of
from tests.support.profiles import EMBEDDED, PROFILES, profile_env
from tests.support.server import ADMIN_EMAIL, ADMIN_PASSWORD, RunningServer, running_server

NESSUS_FILES = sorted(
    p.name for p in (Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "nessus").glob("*")
)
CVE = re.compile(r"CVE-\d{4}-\d{4,}", re.IGNORECASE)


@pytest.fixture(scope="module", params=PROFILES)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The whole module runs once per deployment profile: embedded, then production back ends."""
    seaweed = request.getfixturevalue("seaweed") if request.param != EMBEDDED else None
    with profile_env(request.param, seaweed) as env, running_server(tmp_path_factory.mktemp("e2e"), env) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: RunningServer) -> Iterator[ImportClient]:
    api = ImportClient(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
    yield api
    api.close()


def _new_report(client: ImportClient, name: str) -> tuple[int, int]:
    client_id = client.request("POST", "/api/v1/client/create", json={"name": name}).json()["client_id"]
    report = client.request("POST", f"/api/v1/client/{client_id}/report/create", json={"name": name}).json()
    return client_id, report["report_id"]


def _import(client: ImportClient, path: Path, client_id: int, report_id: int, source: str = "nessus") -> Any:
    key = client.upload(path)
    operation = client.trigger(client_id, report_id, source, key, path.name)
    return client.wait(operation, poll_seconds=0.2, timeout=120)


def _findings(client: ImportClient, client_id: int, report_id: int) -> dict[str, dict[str, Any]]:
    rows = client.request("GET", f"/api/v1/client/{client_id}/report/{report_id}/flaws").json()
    return {
        str(row["id"]): client.request("GET", f"/api/v1/client/{client_id}/report/{report_id}/flaw/{row['id']}").json()
        for row in rows
    }


@pytest.mark.parametrize("name", NESSUS_FILES)
def test_every_nessus_file_imports_end_to_end(client: ImportClient, corpus_dir: Path, name: str) -> None:
    path = corpus_dir / "nessus" / name
    client_id, report_id = _new_report(client, name)
    outcome = _import(client, path, client_id, report_id)
    assert outcome.status == "IMPORT COMPLETE", outcome.error_status
    assert outcome.job["progress"] == 100

    plugin_ids, hosts = _expected_ids(path)
    findings = _findings(client, client_id, report_id)
    assets = client.request("GET", f"/api/v1/client/{client_id}/assets").json()
    assert set(findings) == plugin_ids
    assert {a["asset"] for a in assets} == hosts

    stored_cves = {c["name"] for f in findings.values() for c in f["common_identifiers"]["CVE"]}
    stored_cves |= {c.upper() for a in assets for c in CVE.findall(a["description"])}
    assert {c.upper() for c in CVE.findall(path.read_text(errors="replace"))} <= stored_cves
    if path.suffix == ".csv":
        return
    for item in etree.parse(str(path)).iter("ReportItem"):
        finding = findings[item.get("pluginID")]
        host = item.getparent().get("name")
        affected = [a for a in finding["affected_assets"].values() if a["asset"] == host]
        assert len(affected) == 1
        if item.get("port") != "0":
            assert item.get("port") in {p["number"] for p in affected[0]["ports"].values()}


def _expected_ids(path: Path) -> tuple[set[str], set[str]]:
    """Distinct plugin ids and hosts, read from the file the plain way."""
    if path.suffix == ".csv":
        rows = dict_rows(path)
        return {plugin_of(r) for r in rows} - {""}, {host_of(r) for r in rows} - {""}
    tree = etree.parse(str(path))
    return {i.get("pluginID") or "" for i in tree.iter("ReportItem")}, {
        h.get("name") or "" for h in tree.iter("ReportHost")
    }


def _comparable(findings: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Finding objects without times and generated evidence ids."""
    volatile = {"createdAt", "last_update", "updatedAt"}
    result = {}
    for flaw_id, finding in findings.items():
        kept = {k: v for k, v in finding.items() if k not in volatile}
        kept["affected_assets"] = {
            a["asset"]: {
                **{k: v for k, v in a.items() if k not in volatile | {"evidence", "id"}},
                "evidence": sorted((e["caption"], e["code"]) for e in a["evidence"]),
            }
            for a in finding["affected_assets"].values()
        }
        result[flaw_id] = kept
    return result


def test_reimporting_a_file_leaves_the_report_identical(client: ImportClient, corpus_dir: Path) -> None:
    path = corpus_dir / "nessus" / "nessus_v_unknown.xml"
    client_id, report_id = _new_report(client, "reimport")
    assert _import(client, path, client_id, report_id).status == "IMPORT COMPLETE"
    first = _comparable(_findings(client, client_id, report_id))
    assets = client.request("GET", f"/api/v1/client/{client_id}/assets").json()
    assert _import(client, path, client_id, report_id).status == "IMPORT COMPLETE"
    assert _comparable(_findings(client, client_id, report_id)) == first
    assert client.request("GET", f"/api/v1/client/{client_id}/assets").json() == assets


def test_a_second_scan_adds_only_new_findings(client: ImportClient, corpus_dir: Path) -> None:
    client_id, report_id = _new_report(client, "two scans")
    first = corpus_dir / "nessus" / "nessus_with_cvssv3.nessus"
    second = corpus_dir / "nessus" / "nessus_v_unknown.xml"
    assert _import(client, first, client_id, report_id).status == "IMPORT COMPLETE"
    before = _findings(client, client_id, report_id)
    assert _import(client, second, client_id, report_id).status == "IMPORT COMPLETE"
    after = _findings(client, client_id, report_id)
    second_ids = {i.get("pluginID") for i in etree.parse(str(second)).iter("ReportItem")}
    assert set(after) == set(before) | second_ids
    for flaw_id, finding in before.items():
        assert after[flaw_id]["title"] == finding["title"]
        assert after[flaw_id]["description"] == finding["description"]
        assert set(finding["affected_assets"]) <= set(after[flaw_id]["affected_assets"])


BAD_FILES = {
    "not-xml.nessus": (b"this is not xml at all\n", "not XML"),
    "truncated.nessus": (b"<NessusClientData_v2><Report name='x'><ReportHost name='h'><ReportItem ", "truncated"),
    "xxe.nessus": (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><NessusClientData_v2>&x;'
        b"</NessusClientData_v2>",
        "entit",
    ),
    "laughs.nessus": (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        b"<NessusClientData_v2>&b;</NessusClientData_v2>",
        "entit",
    ),
    "external-dtd.nessus": (b'<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd"><x/>', "root element is <x>"),
    "burp.xml": (
        b'<?xml version="1.0"?><issues burpVersion="2023"><issue/></issues>',
        "expected <NessusClientData_v2>",
    ),
    "empty.nessus": (b"", "the file is empty"),
    "binary.nessus": (bytes(range(256)) * 100, "binary data"),
}


def test_bad_files_end_in_error_and_the_worker_keeps_going(
    client: ImportClient, corpus_dir: Path, tmp_path: Path
) -> None:
    client_id, report_id = _new_report(client, "bad files")
    good = corpus_dir / "nessus" / "nessus_many_vuln.xml"
    assert _import(client, good, client_id, report_id).status == "IMPORT COMPLETE"
    before = _comparable(_findings(client, client_id, report_id))
    for name, (content, cause) in BAD_FILES.items():
        path = tmp_path / name
        path.write_bytes(content)
        outcome = _import(client, path, client_id, report_id)
        assert outcome.status == "ERROR", name
        assert cause in (outcome.error_status or ""), (name, outcome.error_status)
        assert _comparable(_findings(client, client_id, report_id)) == before, name
    assert (
        _import(client, corpus_dir / "nessus" / "issue_6992.nessus", client_id, report_id).status == "IMPORT COMPLETE"
    )


def test_a_plextrac_script_streaming_without_content_length(server: RunningServer, corpus_dir: Path) -> None:
    """The seed's axios example streams a file: chunked transfer, raw token, tags as a JSON string."""
    http = httpx.Client(base_url=server.url)
    token = http.post("/api/v1/authenticate", json={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).json()[
        "token"
    ]
    headers = {"authorization": token, "content-type": "application/json"}
    client_id = http.post("/api/v1/client/create", json={"name": "script"}, headers=headers).json()["client_id"]
    report_id = http.post(f"/api/v1/client/{client_id}/report/create", json={"name": "r"}, headers=headers).json()[
        "report_id"
    ]
    path = corpus_dir / "nessus" / "nessus_with_cvssv3.nessus"
    presigned = http.post("/api/v2/presigned-url", json={"name": path.name}, headers=headers).json()

    def stream() -> Iterator[bytes]:
        with path.open("rb") as handle:
            while chunk := handle.read(64 * 1024):
                yield chunk

    put = http.put(presigned["url"], content=stream(), headers={"Content-Type": "application/octet-stream"})
    assert put.status_code == 200
    assert put.request.headers.get("transfer-encoding") == "chunked"
    queued = http.post(
        f"/api/v2/client/{client_id}/report/{report_id}/preuploaded-import/nessus",
        json={
            "tags": '{"assets":[],"findings":[]}',
            "useParserActions": False,
            "key": presigned["key"],
            "fileName": path.name,
        },
        headers=headers,
    ).json()
    assert queued["importJob"]["status"] == "IN QUEUE"
    watcher = ImportClient(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
    outcome = watcher.wait(queued["operationId"], poll_seconds=0.2, timeout=120)
    watcher.close()
    http.close()
    assert outcome.status == "IMPORT COMPLETE"


def test_the_cli_import_command(server: RunningServer, corpus_dir: Path, tmp_path: Path) -> None:
    api = ImportClient(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
    client_id, report_id = _new_report(api, "cli")
    api.close()
    base = [
        *(sys.executable, "-m", "scanlift", "import", "--client", str(client_id), "--report", str(report_id)),
        *("--source", "nessus", "--url", server.url, "--username", ADMIN_EMAIL, "--password", ADMIN_PASSWORD),
    ]
    ok = subprocess.run([*base, str(corpus_dir / "nessus" / "nessus_many_vuln.xml")], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert '"status": "IMPORT COMPLETE"' in ok.stdout
    bad = tmp_path / "bad.nessus"
    bad.write_text("<NessusClientData_v2><oops")
    failed = subprocess.run([*base, str(bad)], capture_output=True, text=True)
    assert failed.returncode == 1
    assert "import failed: invalid nessus file: truncated" in failed.stderr


def _nmap_hosts(path: Path) -> dict[str, set[str]]:
    """Up hosts -> their open ports, read from the file the plain way; named as PlexTrac names them."""
    hosts: dict[str, set[str]] = {}
    for host in etree.parse(str(path)).iter("host"):
        status = host.find("status")
        if status is not None and status.get("state") != "up":
            continue
        names = [h.get("name") for h in host.iter("hostname") if h.get("name")]
        address = next(a.get("addr") for a in host.iter("address") if a.get("addrtype") in ("ipv4", "ipv6"))
        ports = {
            p.get("portid") or ""
            for p in host.iter("port")
            if p.find("state") is not None and p.find("state").get("state") == "open"  # type: ignore[union-attr]
        }
        hosts[names[0] if names else address] = ports
    return hosts


def test_nmap_asset_import_with_a_multipart_file(client: ImportClient, corpus_dir: Path) -> None:
    path = corpus_dir / "nmap" / "issue12411.xml"
    client_id, report_id = _new_report(client, "nmap assets")
    with path.open("rb") as handle:
        response = client.request(
            "POST", f"/api/v2/client/{client_id}/assets/import/nmap-xml",
            files={"file": (path.name, handle, "text/xml")},
        )  # fmt: skip
    assert response.status_code == 200, response.text
    queued = response.json()
    assert queued["importJob"]["report_id"] is None
    outcome = client.wait(queued["operationId"], poll_seconds=0.2, timeout=120)
    assert outcome.status == "IMPORT COMPLETE", outcome.error_status
    assert outcome.job["reportName"] == ""
    assets = client.request("GET", f"/api/v1/client/{client_id}/assets").json()
    expected = _nmap_hosts(path)
    assert {a["asset"]: {p["number"] for p in a["ports"].values()} for a in assets} == expected
    assert client.request("GET", f"/api/v1/client/{client_id}/report/{report_id}/flaws").json() == []


def test_nmap_asset_import_from_a_presigned_upload(client: ImportClient, corpus_dir: Path) -> None:
    path = corpus_dir / "nmap" / "issue12411.xml"
    client_id, _ = _new_report(client, "nmap presigned")
    for source in ("nmap", "nmap-xml"):
        key = client.upload(path)  # a key is imported once
        response = client.request(
            "POST", f"/api/v2/client/{client_id}/assets/import/{source}", json={"key": key, "fileName": path.name}
        )
        assert client.wait(response.json()["operationId"], poll_seconds=0.2, timeout=120).status == "IMPORT COMPLETE"
    assets = client.request("GET", f"/api/v1/client/{client_id}/assets").json()
    assert {a["asset"] for a in assets} == set(_nmap_hosts(path))
    refused = client.request("POST", f"/api/v2/client/{client_id}/assets/import/nessus", json={"key": key})
    assert refused.status_code == 400
    assert "nmap-xml" in refused.json()["message"]
