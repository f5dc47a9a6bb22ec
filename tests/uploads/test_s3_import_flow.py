"""The four-step flow against ``scanlift serve`` with SCANLIFT_STORAGE_URL=s3://…: the client PUTs
straight to S3 (SeaweedFS) and the worker streams the file back from there."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from scanlift.client import ImportClient
from tests.support.seaweed import SeaweedS3
from tests.support.server import ADMIN_EMAIL, ADMIN_PASSWORD, running_server


def test_an_import_through_s3(seaweed: SeaweedS3, corpus_dir: Path, tmp_path: Path) -> None:
    bucket = f"scanlift-e2e-{uuid.uuid4().hex[:12]}"
    env = {
        "SCANLIFT_STORAGE_URL": f"s3://{bucket}/imports",
        "SCANLIFT_S3_ENDPOINT_URL": seaweed.endpoint_url,
        "SCANLIFT_S3_ACCESS_KEY_ID": seaweed.access_key_id,
        "SCANLIFT_S3_SECRET_ACCESS_KEY": seaweed.secret_access_key,
    }
    path = corpus_dir / "nessus" / "issue_6992.nessus"
    with running_server(tmp_path / "server", env) as server:
        ready = httpx.get(f"{server.url}/api/v2/health/ready", timeout=10).json()
        assert ready["checks"]["storage"] == "ok"
        client = ImportClient(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
        try:
            client_id = client.request("POST", "/api/v1/client/create", json={"name": "S3"}).json()["client_id"]
            report = client.request("POST", f"/api/v1/client/{client_id}/report/create", json={"name": "S3"}).json()
            key = client.upload(path)
            head = seaweed.client().head_object(Bucket=bucket, Key=f"imports/{key}")
            assert head["ContentLength"] == path.stat().st_size
            operation = client.trigger(client_id, report["report_id"], "nessus", key, path.name)
            outcome = client.wait(operation, poll_seconds=0.2, timeout=120)
            assert outcome.status == "IMPORT COMPLETE", outcome.error_status
            flaws = client.request("GET", f"/api/v1/client/{client_id}/report/{report['report_id']}/flaws").json()
            assert flaws
        finally:
            client.close()
