"""An upload key is imported once, by the user it was issued to, within its lifetime; once
imported, its file cannot be replaced."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import update

from scanlift.app import create_app
from scanlift.db.base import utcnow
from scanlift.jobs.attempt import JobSettings
from scanlift.jobs.pipeline import ImportPipeline
from scanlift.runtime import Runtime
from scanlift.uploads.models import UploadKey
from tests.support.accounts import login, make_user
from tests.support.seaweed import SeaweedS3

NESSUS = b'<NessusClientData_v2><Report name="r"></Report></NessusClientData_v2>'


def _report(api: TestClient, headers: dict[str, str]) -> tuple[int, int]:
    client_id = api.post("/api/v1/client/create", json={"name": "ACME"}, headers=headers).json()["client_id"]
    report = api.post(f"/api/v1/client/{client_id}/report/create", json={"name": "R"}, headers=headers)
    return client_id, report.json()["report_id"]


def _uploaded(api: TestClient, headers: dict[str, str]) -> tuple[str, str]:
    presigned = api.post("/api/v2/presigned-url", json={"name": "scan.nessus"}, headers=headers).json()
    url = presigned["url"]
    path = urlsplit(url).path + "?" + urlsplit(url).query
    assert api.put(path, content=NESSUS).status_code == 200
    return presigned["key"], path


def _trigger(api: TestClient, headers: dict[str, str], ids: tuple[int, int], key: str) -> tuple[int, str]:
    response = api.post(
        f"/api/v2/client/{ids[0]}/report/{ids[1]}/preuploaded-import/nessus",
        json={"key": key, "fileName": "scan.nessus"},
        headers=headers,
    )
    return response.status_code, response.json().get("message", "")


def test_a_key_is_imported_once(api: TestClient, runtime: Runtime) -> None:
    make_user(runtime, "ana@example.com")
    ana = login(api, "ana@example.com")
    ids = _report(api, ana)
    key, _path = _uploaded(api, ana)
    assert _trigger(api, ana, ids, key)[0] == 200
    code, message = _trigger(api, ana, ids, key)
    assert code == 409
    assert "already imported" in message


def test_a_key_is_imported_only_by_the_user_it_was_issued_to(api: TestClient, runtime: Runtime) -> None:
    make_user(runtime, "ana@example.com")
    make_user(runtime, "bob@example.com")  # the same tenant
    ana, bob = login(api, "ana@example.com"), login(api, "bob@example.com")
    key, _path = _uploaded(api, ana)
    code, message = _trigger(api, bob, _report(api, bob), key)
    assert code == 403
    assert "issued to another user" in message
    assert _trigger(api, ana, _report(api, ana), key)[0] == 200  # the refusal did not use the key up


def test_an_expired_key_is_refused_at_import(api: TestClient, runtime: Runtime) -> None:
    make_user(runtime, "ana@example.com")
    ana = login(api, "ana@example.com")
    key, _path = _uploaded(api, ana)
    with runtime.db.session() as session:
        session.execute(update(UploadKey).where(UploadKey.key == key).values(expires_at=utcnow() - timedelta(1)))
    code, message = _trigger(api, ana, _report(api, ana), key)
    assert code == 400
    assert "expired" in message


def test_an_imported_file_cannot_be_replaced(api: TestClient, runtime: Runtime) -> None:
    make_user(runtime, "ana@example.com")
    ana = login(api, "ana@example.com")
    key, path = _uploaded(api, ana)
    assert api.put(path, content=NESSUS).status_code == 200  # before the import, a retry may replace it
    assert _trigger(api, ana, _report(api, ana), key)[0] == 200
    response = api.put(path, content=b"<NessusClientData_v2>swapped</NessusClientData_v2>")
    assert response.status_code == 403
    assert "can no longer be replaced" in response.json()["message"]


def test_an_s3_object_replaced_after_the_import_was_queued_is_not_imported(
    seaweed: SeaweedS3, runtime: Runtime
) -> None:
    # A presigned S3 PUT cannot be revoked: the second PUT succeeds, but the worker, reading with
    # the ETag the import saw, refuses the replaced bytes instead of importing them.
    runtime.settings.storage_url = f"s3://scanlift-keys/imports-{uuid.uuid4().hex}"
    runtime.settings.s3_endpoint_url = seaweed.endpoint_url
    runtime.settings.s3_access_key_id = seaweed.access_key_id
    runtime.settings.s3_secret_access_key = SecretStr(seaweed.secret_access_key)
    make_user(runtime, "ana@example.com")
    pipeline = ImportPipeline(runtime.db, runtime.storage, JobSettings(lease_seconds=30, max_bytes=10**9))
    with TestClient(create_app(runtime.settings, runtime)) as api:
        ana = login(api, "ana@example.com")
        ids = _report(api, ana)
        outcomes = {}
        for case in ("kept", "replaced"):
            presigned = api.post("/api/v2/presigned-url", json={"name": "scan.nessus"}, headers=ana).json()
            assert httpx.put(presigned["url"], content=NESSUS).is_success
            job_id = api.post(
                f"/api/v2/client/{ids[0]}/report/{ids[1]}/preuploaded-import/nessus",
                json={"key": presigned["key"], "fileName": "scan.nessus"},
                headers=ana,
            ).json()["operationId"]
            if case == "replaced":
                assert httpx.put(presigned["url"], content=NESSUS.replace(b'"r"', b'"swapped"')).is_success
            pipeline.run(job_id)
            outcomes[case] = api.get(f"/api/v2/my-imports/{job_id}", headers=ana).json()
    assert outcomes["kept"]["status"] == "IMPORT COMPLETE"
    assert outcomes["replaced"]["status"] == "ERROR"
    assert outcomes["replaced"]["attempts"] == 1
    assert "was replaced after the import was queued" in outcomes["replaced"]["error_status"]
