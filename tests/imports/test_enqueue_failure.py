"""A broker that refuses the message does not fail the request: the job is created and waits in the
queue, a warning names it, and the sweeper sends it later (``jobs.dispatch``)."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from tests.support.accounts import login
from tests.support.harness import Harness


def _refuse(job_id: str) -> None:
    raise ConnectionRefusedError("broker down")


@pytest.mark.parametrize("route", ["preuploaded-import", "assets-import"])
def test_the_job_is_queued_and_the_refusal_logged(
    route: str,
    api: TestClient,
    harness: Harness,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    headers = login(api, harness.user.email)
    key = harness.upload(b"<nmaprun/>", name="scan.xml")
    client = f"/api/v2/client/{harness.client_id}"
    path = {
        "preuploaded-import": f"{client}/report/{harness.report_id}/preuploaded-import/nessus",
        "assets-import": f"{client}/assets/import/nmap-xml",
    }[route]
    monkeypatch.setattr(harness.runtime.queue, "enqueue", _refuse)
    with caplog.at_level(logging.WARNING, logger="scanlift.jobs.dispatch"):
        response = api.post(path, json={"key": key, "fileName": "scan.xml"}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["importJob"]["status"]) == ("success", "IN QUEUE")
    job = harness.job(body["operationId"])
    assert (job.sends, job.enqueued_at) == (0, None)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(job.id in message and "broker down" in message for message in warnings)
