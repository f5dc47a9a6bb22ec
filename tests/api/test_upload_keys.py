"""An upload key is imported once, by the user it was issued to, within its lifetime; once
imported, its file cannot be replaced."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import update

from scanlift.db.base import utcnow
from scanlift.runtime import Runtime
from scanlift.uploads.models import UploadKey
from tests.support.accounts import login, make_user

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
