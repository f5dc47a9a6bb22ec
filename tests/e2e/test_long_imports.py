"""An import far longer than its lease and than the broker's re-delivery timeout runs exactly once.

A multi-hour import is scaled down: the workers reach S3 through a link that trickles the object
out, so a small file takes many lease periods and many broker timeouts to import. Meanwhile the
broker hands the unacknowledged message out again:

- Redis re-delivers it after its visibility timeout (it re-executed a 25 s task three times with
  a 10 s timeout when measured here);
- RabbitMQ closes the worker's channel after its ``consumer_timeout`` and re-queues the message
  (on a private node whose timeout is 3 s instead of 30 min).

A second worker receives the message and must drop it, the heartbeat must keep the lease alive,
the first worker must finish the import on a broken channel, and the sweeper must not hand the
job to anyone else.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from bench.gen_nessus import generate

from scanlift.client import ImportClient
from tests.support.profiles import PG_S3_RABBITMQ, PG_S3_REDIS, profile_env
from tests.support.rabbitmq_server import running_rabbitmq
from tests.support.seaweed import SeaweedS3
from tests.support.server import ADMIN_EMAIL, ADMIN_PASSWORD, running_server, running_worker
from tests.support.snapshot import report_snapshot
from tests.support.throttle import ThrottledProxy

LEASE_SECONDS = 5
VISIBILITY_SECONDS = 2
FILE_BYTES = 2_500_000
LINK_BYTES_PER_SECOND = 100_000  # about 25 s for the file: 5 leases, 12 visibility timeouts
RABBITMQ_CONSUMER_TIMEOUT_MS = 3000


@pytest.fixture(scope="module")
def slow_nessus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("long") / "long.nessus"
    # 300 findings: the read-back below reads each one through the API.
    generate(path, FILE_BYTES, plugin_count=300)
    return path


def _dropped_deliveries(log: Path) -> int:
    return log.read_text(errors="replace").count("delivery dropped")


@contextmanager
def _broker_with_short_timeouts(profile: str, base_env: dict[str, str]) -> Iterator[dict[str, str]]:
    env = {**base_env, "SCANLIFT_EMBEDDED_WORKER": "false", "SCANLIFT_JOB_LEASE_SECONDS": str(LEASE_SECONDS)}
    if profile == PG_S3_REDIS:
        yield {**env, "SCANLIFT_BROKER_VISIBILITY_TIMEOUT_SECONDS": str(VISIBILITY_SECONDS)}
        return
    with running_rabbitmq(consumer_timeout_ms=RABBITMQ_CONSUMER_TIMEOUT_MS) as broker_url:
        yield {**env, "SCANLIFT_BROKER_URL": broker_url}


@pytest.mark.parametrize("profile", [PG_S3_REDIS, PG_S3_RABBITMQ])
def test_an_import_outliving_its_lease_and_the_broker_timeout_runs_once(
    tmp_path: Path, seaweed: SeaweedS3, slow_nessus: Path, profile: str
) -> None:
    with (
        profile_env(profile, seaweed) as base_env,
        _broker_with_short_timeouts(profile, base_env) as env,
        ThrottledProxy(seaweed.endpoint_url, bytes_per_second=LINK_BYTES_PER_SECOND) as link,
        running_server(tmp_path / "api", env) as server,
    ):
        workers_env = {**env, "SCANLIFT_S3_ENDPOINT_URL": link.url}
        with running_worker(server, workers_env), running_worker(server, workers_env):
            api = ImportClient(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
            client_id = api.request("POST", "/api/v1/client/create", json={"name": "long"}).json()["client_id"]
            report_id = api.request("POST", f"/api/v1/client/{client_id}/report/create", json={"name": "long"}).json()[
                "report_id"
            ]
            started = time.monotonic()
            operation = api.trigger(client_id, report_id, "nessus", api.upload(slow_nessus), slow_nessus.name)
            outcome = api.wait(operation, poll_seconds=0.5, timeout=300)
            elapsed = time.monotonic() - started
            job = api.request("GET", f"/api/v2/my-imports/{operation}").json()
            snapshot = report_snapshot(api, client_id, report_id)
            api.close()
        log = server.data_dir / "workers.log"

    assert outcome.status == "IMPORT COMPLETE", outcome.error_status
    # It really outlived the lease several times over, and the broker's timeout many times.
    assert elapsed > 3 * LEASE_SECONDS
    assert elapsed > 5 * VISIBILITY_SECONDS
    assert elapsed > 5 * RABBITMQ_CONSUMER_TIMEOUT_MS / 1000
    # The broker did re-deliver it, and every re-delivery was dropped: one claim, one execution.
    assert _dropped_deliveries(log) >= 1, log.read_text()[-3000:]
    assert job["attempts"] == 1
    # Both workers stayed up: neither stopped on a closed channel or on a clash of node names.
    assert "Unrecoverable error" not in log.read_text()
    assert '"level": "CRITICAL"' not in log.read_text()
    assert len(set(re.findall(r"(scanlift-\d+@\S+) ready", log.read_text()))) == 2
    assert log.read_text().count(f"import {operation} complete") == 1
    # Nothing lost: every finding and affected asset of the file is in the report.
    assert job["processed_findings"] == len(snapshot["findings"])
    assert job["processed_assets"] == len(snapshot["assets"])
    affected = sum(len(finding["affected_assets"]) for finding in snapshot["findings"].values())
    assert job["processed_finding_assets"] == affected > 0
