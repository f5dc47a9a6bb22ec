"""Crashes, concurrency and outages, with real processes on the production back ends.

PostgreSQL, SeaweedFS (S3) and Redis; the API runs without embedded workers and the workers are
separate ``scanlift worker`` processes that the tests start, kill -9 and restart.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from bench.gen_nessus import generate

from scanlift.client import ImportClient
from scanlift.parsers.base import ScanFinding
from scanlift.parsers.runner import parse_stream
from tests.support.postgres_server import running_postgres
from tests.support.profiles import PG_S3_RABBITMQ, PG_S3_REDIS, profile_env
from tests.support.seaweed import SeaweedS3, running_seaweed
from tests.support.server import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    RunningServer,
    kill_hard,
    running_server,
    running_worker,
    start_worker,
)
from tests.support.snapshot import report_snapshot

FAST_RECOVERY = {"SCANLIFT_JOB_LEASE_SECONDS": "5", "SCANLIFT_EMBEDDED_WORKER": "false"}


@pytest.fixture(scope="module")
def big_nessus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.nessus"
    # Long enough to kill a worker mid-import; 300 findings keep the read-back comparison quick
    # (the snapshot reads each finding through the API).
    generate(path, 60_000_000, plugin_count=300)
    return path


@pytest.fixture(scope="module")
def production(
    seaweed: SeaweedS3, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningServer, dict[str, str]]]:
    with profile_env(PG_S3_REDIS, seaweed) as env:
        env = {**env, **FAST_RECOVERY}
        with running_server(tmp_path_factory.mktemp("resilience"), env) as server:
            yield server, env


def _api(server: RunningServer) -> ImportClient:
    return ImportClient(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)


def _report(api: ImportClient, name: str, client_id: int | None = None) -> tuple[int, int]:
    if client_id is None:
        client_id = api.request("POST", "/api/v1/client/create", json={"name": name}).json()["client_id"]
    report = api.request("POST", f"/api/v1/client/{client_id}/report/create", json={"name": name}).json()
    return client_id, report["report_id"]


def _queue(api: ImportClient, path: Path, client_id: int, report_id: int) -> str:
    return api.trigger(client_id, report_id, "nessus", api.upload(path), path.name)


def _wait_until_processing(api: ImportClient, operation: str, at_least: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = api.request("GET", f"/api/v2/my-imports/{operation}").json()
        if job["status"] == "PROCESSING" and job["progress"] >= at_least:
            return
        assert job["status"] in ("IN QUEUE", "PROCESSING"), job
        time.sleep(0.1)
    raise AssertionError(f"import {operation} never reached {at_least}%")


def test_a_worker_killed_mid_import_loses_nothing(
    production: tuple[RunningServer, dict[str, str]], big_nessus: Path
) -> None:
    server, env = production
    api = _api(server)
    with running_worker(server, env):
        baseline = _report(api, "no crash")
        outcome = api.wait(_queue(api, big_nessus, *baseline), poll_seconds=0.2, timeout=300)
        assert outcome.status == "IMPORT COMPLETE", outcome.error_status
    expected = report_snapshot(api, *baseline)

    crashed = _report(api, "crash")
    worker = start_worker(server, env)
    operation = _queue(api, big_nessus, *crashed)
    _wait_until_processing(api, operation, at_least=20)
    kill_hard(worker)
    with running_worker(server, env):
        outcome = api.wait(operation, poll_seconds=0.2, timeout=300)
    assert outcome.status == "IMPORT COMPLETE", outcome.error_status
    job = api.request("GET", f"/api/v2/my-imports/{operation}").json()
    assert job["attempts"] == 2
    assert report_snapshot(api, *crashed) == expected
    api.close()


@pytest.mark.parametrize("profile", [PG_S3_REDIS, PG_S3_RABBITMQ])
def test_two_workers_twenty_imports_three_reports(
    profile: str, seaweed: SeaweedS3, tmp_path: Path, corpus_dir: Path
) -> None:
    with profile_env(profile, seaweed) as env:
        env = {**env, **FAST_RECOVERY}
        with running_server(tmp_path / "api", env) as server:
            _twenty_imports_by_two_workers(server, env, corpus_dir)
        log = (server.data_dir / "workers.log").read_text(errors="replace")
    # Both workers ran to the end: two node names, neither stopped by the broker.
    assert len(set(re.findall(r"(scanlift-\d+@\S+) ready", log))) == 2
    assert "Unrecoverable error" not in log


def _twenty_imports_by_two_workers(server: RunningServer, env: dict[str, str], corpus_dir: Path) -> None:
    api = _api(server)
    client_id, first = _report(api, "concurrency")
    reports = [first, _report(api, "concurrency 2", client_id)[1], _report(api, "concurrency 3", client_id)[1]]
    files = sorted((corpus_dir / "nessus").glob("*.nessus")) + sorted((corpus_dir / "nessus").glob("*.xml"))
    plan = [(reports[i % 3], files[i % len(files)]) for i in range(20)]
    with running_worker(server, env), running_worker(server, env):
        with ThreadPoolExecutor(max_workers=6) as pool:
            operations = list(pool.map(lambda job: _queue(api, job[1], client_id, job[0]), plan))
        outcomes = [api.wait(op, poll_seconds=0.3, timeout=300) for op in operations]
    assert [o.status for o in outcomes] == ["IMPORT COMPLETE"] * 20, [o.error_status for o in outcomes]

    assets = api.request("GET", f"/api/v1/client/{client_id}/assets").json()
    names = [a["asset"] for a in assets]
    assert len(names) == len(set(names))
    for report_id in reports:
        rows = api.request("GET", f"/api/v1/client/{client_id}/report/{report_id}/flaws").json()
        flaw_ids = [row["id"] for row in rows]
        assert len(flaw_ids) == len(set(flaw_ids))
        expected = set().union(*(_flaw_ids(path) for r, path in plan if r == report_id))
        assert {str(f) for f in flaw_ids} == expected
    api.close()


def _assert_promptly_not_ready(server: RunningServer, *, failing: str) -> None:
    """Readiness answers 503 within seconds during an outage, and names the service that failed."""
    started = time.monotonic()
    ready = httpx.get(f"{server.url}/api/v2/health/ready", timeout=30)
    assert time.monotonic() - started < 10
    assert ready.status_code == 503
    assert ready.json()["checks"][failing].startswith("error")


def _sightings(path: Path) -> list[ScanFinding]:
    with path.open("rb") as handle:
        return [r for r in parse_stream(handle, source="nessus") if isinstance(r, ScanFinding)]


def _flaw_ids(path: Path) -> set[str]:
    return {s.flaw_id for s in _sightings(path)}


def _affected_pairs(path: Path) -> set[tuple[str, str | None]]:
    return {(s.flaw_id, s.asset) for s in _sightings(path)}


def test_an_s3_outage_is_retried_and_the_api_stays_responsive(
    tmp_path: Path, big_nessus: Path, corpus_dir: Path
) -> None:
    with running_seaweed(tmp_path / "s3") as store, profile_env(PG_S3_REDIS, store) as env:
        env = {**env, **FAST_RECOVERY, "SCANLIFT_JOB_RETRY_SECONDS": "60"}
        with running_server(tmp_path / "api", env) as server, running_worker(server, env):
            api = _api(server)
            client_id, report_id = _report(api, "outage")
            operation = _queue(api, big_nessus, client_id, report_id)
            _wait_until_processing(api, operation, at_least=0)
            store.kill()  # mid-stream, or just before the worker opens the object
            restart = running_seaweed(tmp_path / "s3", same_as=store)
            _assert_promptly_not_ready(server, failing="storage")
            assert api.request("GET", "/api/v2/my-imports").status_code == 200
            time.sleep(4)
            with restart:
                outcome = api.wait(operation, poll_seconds=0.3, timeout=300)
                assert outcome.status == "IMPORT COMPLETE", outcome.error_status
                assert httpx.get(f"{server.url}/api/v2/health/ready", timeout=30).status_code == 200
            api.close()


def test_an_outage_longer_than_the_budget_ends_in_a_clear_error(tmp_path: Path, big_nessus: Path) -> None:
    with running_seaweed(tmp_path / "s3") as store, profile_env(PG_S3_REDIS, store) as env:
        env = {**env, **FAST_RECOVERY, "SCANLIFT_JOB_RETRY_SECONDS": "4"}
        with running_server(tmp_path / "api", env) as server, running_worker(server, env):
            api = _api(server)
            client_id, report_id = _report(api, "long outage")
            operation = _queue(api, big_nessus, client_id, report_id)
            _wait_until_processing(api, operation, at_least=0)
            store.kill()
            outcome = api.wait(operation, poll_seconds=0.3, timeout=120)
            assert outcome.status == "ERROR"
            assert "a service stayed unavailable for 4" in (outcome.error_status or "")
            assert report_snapshot(api, client_id, report_id) == {"findings": {}, "assets": {}}
            api.close()


def test_a_database_outage_is_retried_and_the_import_completes(
    tmp_path: Path, seaweed: SeaweedS3, big_nessus: Path
) -> None:
    with running_postgres() as database, profile_env(PG_S3_REDIS, seaweed, database.url) as env:
        env = {**env, **FAST_RECOVERY, "SCANLIFT_JOB_RETRY_SECONDS": "120"}
        with running_server(tmp_path / "api", env) as server, running_worker(server, env):
            api = _api(server)
            client_id, report_id = _report(api, "database outage")
            operation = _queue(api, big_nessus, client_id, report_id)
            _wait_until_processing(api, operation, at_least=20)
            database.crash()  # mid-import: the merge transaction is cut off and rolled back
            _assert_promptly_not_ready(server, failing="database")
            assert api.request("GET", "/api/v2/my-imports").status_code == 503
            time.sleep(3)
            database.start()
            outcome = api.wait(operation, poll_seconds=0.3, timeout=300)
            assert outcome.status == "IMPORT COMPLETE", outcome.error_status
            job = api.request("GET", f"/api/v2/my-imports/{operation}").json()
            flaws = api.request("GET", f"/api/v1/client/{client_id}/report/{report_id}/flaws").json()
            api.close()
    # Nothing of the cut-off attempt is left behind, and nothing is missing.
    assert job["attempts"] == 1  # retried within its claim, not re-delivered
    assert {str(f["id"]) for f in flaws} == _flaw_ids(big_nessus)
    assert job["processed_finding_assets"] == len(_affected_pairs(big_nessus))
