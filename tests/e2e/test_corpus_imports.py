"""Every corpus file through the four-step flow, against the real server and worker processes.

For each file the expected report content is derived from the file by the in-process parser
(whose own tests check it against counts read from the file by independent means); the import
must land exactly that: the same findings, the same assets, and every CVE that appears anywhere
in the raw file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scanlift.client import ImportClient, ImportOutcome
from scanlift.parsers.base import ScanAsset, ScanFinding
from scanlift.parsers.runner import parse_stream
from tests.conftest import CORPUS_DIR
from tests.support.corpus import EXPECTED_ERRORS, FOLDER_SOURCES, OTHER_PRODUCTS, corpus_files, cves_an_import_must_keep
from tests.support.server import ADMIN_EMAIL, ADMIN_PASSWORD, running_server

CVE = re.compile(r"CVE-\d{4}-\d{4,}", re.IGNORECASE)
FIXTURES = Path(__file__).resolve().parents[1] / "parsers" / "fixtures"
#: Sources with no public sample: their hand-made fixtures go through the same four steps
#: (job name -> fixture file, source id).
FIXTURE_JOBS = {
    "fixture:nodezero": ("nodezero/handmade_weaknesses.csv", "nodezero"),
    "fixture:horizon": ("nodezero/handmade_weaknesses.csv", "horizon"),
    "fixture:pentera": ("pentera/handmade_hosts_first.json", "pentera"),
    "fixture:nodeware": ("nodeware/handmade_findings.json", "nodeware"),
    "fixture:offlinecsv": ("offlinecsv/template.csv", "offlinecsv"),
    "fixture:ptrac": ("ptrac/report.ptrac", "ptrac"),
}
#: Sources with no public format: any file ends in the documented error.
UNSUPPORTED = ("custom", "rapidfire", "scythe")
FILES = corpus_files(CORPUS_DIR, FOLDER_SOURCES) + corpus_files(CORPUS_DIR, OTHER_PRODUCTS)


def _job(name: str) -> tuple[Path, str]:
    """The file and source id a job name stands for."""
    if name in FIXTURE_JOBS:
        fixture, source = FIXTURE_JOBS[name]
        return FIXTURES / fixture, source
    if name.startswith("unsupported:"):
        return FIXTURES / "ptrac" / "report.ptrac", name.split(":", 1)[1]
    return CORPUS_DIR / name, _source_of(name)


@dataclass
class Imported:
    client_id: int
    report_id: int
    outcome: ImportOutcome


def _source_of(name: str) -> str:
    folder = name.split("/")[0]
    return FOLDER_SOURCES.get(folder) or OTHER_PRODUCTS[folder]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Imported]]:
    """Upload and queue every file at once, then wait for all of them."""
    with running_server(tmp_path_factory.mktemp("corpus")) as server:
        client = ImportClient(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)

        def run(name: str) -> tuple[str, Imported]:
            path, source = _job(name)
            cid = client.request("POST", "/api/v1/client/create", json={"name": name}).json()["client_id"]
            rid = client.request("POST", f"/api/v1/client/{cid}/report/create", json={"name": name}).json()["report_id"]
            operation = client.trigger(cid, rid, source, client.upload(path), path.name)
            return name, Imported(cid, rid, client.wait(operation, poll_seconds=0.3, timeout=300))

        names = [*FILES, *FIXTURE_JOBS, *(f"unsupported:{s}" for s in UNSUPPORTED)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = dict(pool.map(run, names))
        results["__client__"] = client  # type: ignore[assignment]
        yield results
        client.close()


def _expected(name: str) -> tuple[set[str], set[str]]:
    path, source = _job(name)
    flaw_ids: set[str] = set()
    assets: set[str] = set()
    with path.open("rb") as handle:
        for record in parse_stream(handle, source=source):
            if isinstance(record, ScanFinding):
                flaw_ids.add(record.flaw_id)
                if record.asset:
                    assets.add(record.asset)
            elif isinstance(record, ScanAsset):
                assets.add(record.name)
    return flaw_ids, assets


def _report(client: ImportClient, imported: Imported) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    base = f"/api/v1/client/{imported.client_id}/report/{imported.report_id}"
    rows = client.request("GET", f"{base}/flaws").json()
    findings = {str(r["id"]): client.request("GET", f"{base}/flaw/{r['id']}").json() for r in rows}
    assets = client.request("GET", f"/api/v1/client/{imported.client_id}/assets").json()
    return findings, assets


@pytest.mark.parametrize("name", corpus_files(CORPUS_DIR, FOLDER_SOURCES))
def test_corpus_file_imports(imported: dict[str, Imported], name: str) -> None:
    result = imported[name]
    client: ImportClient = imported["__client__"]  # type: ignore[assignment]
    if name in EXPECTED_ERRORS:
        assert result.outcome.status == "ERROR"
        assert EXPECTED_ERRORS[name] in (result.outcome.error_status or "")
        findings, assets = _report(client, result)
        assert (findings, assets) == ({}, [])
        return
    assert result.outcome.status == "IMPORT COMPLETE", result.outcome.error_status
    flaw_ids, asset_names = _expected(name)
    findings, assets = _report(client, result)
    assert set(findings) == flaw_ids
    assert {a["asset"] for a in assets} == asset_names
    job = client.request("GET", f"/api/v2/my-imports/{result.outcome.operation_id}").json()
    assert (job["processed_findings"], job["processed_assets"]) == (len(flaw_ids), len(asset_names))

    in_file = cves_an_import_must_keep(CORPUS_DIR / name)
    stored = {c["name"] for f in findings.values() for c in f["common_identifiers"]["CVE"]}
    stored |= {c.upper() for a in assets for c in CVE.findall(a["description"])}
    assert in_file - stored == set()


@pytest.mark.parametrize("name", corpus_files(CORPUS_DIR, OTHER_PRODUCTS))
def test_other_products_end_in_a_clear_error(imported: dict[str, Imported], name: str) -> None:
    outcome = imported[name].outcome
    assert outcome.status == "ERROR"
    assert outcome.error_status
    assert outcome.error_status.startswith(f"invalid {_source_of(name)} file: ")


@pytest.mark.parametrize("name", sorted(FIXTURE_JOBS))
def test_sources_without_public_samples_import_their_fixtures(imported: dict[str, Imported], name: str) -> None:
    result = imported[name]
    client: ImportClient = imported["__client__"]  # type: ignore[assignment]
    assert result.outcome.status == "IMPORT COMPLETE", result.outcome.error_status
    flaw_ids, asset_names = _expected(name)
    assert flaw_ids
    findings, assets = _report(client, result)
    assert set(findings) == flaw_ids
    assert {a["asset"] for a in assets} == asset_names


@pytest.mark.parametrize("source", UNSUPPORTED)
def test_sources_without_a_public_format_answer_the_documented_error(
    imported: dict[str, Imported], source: str
) -> None:
    outcome = imported[f"unsupported:{source}"].outcome
    assert outcome.status == "ERROR"
    assert outcome.error_status == f"unsupported source '{source}': no public format specification; see docs/sources.md"
