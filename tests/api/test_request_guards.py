"""Bounds on what a request can make the API hold or store, and the headers every answer carries."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from scanlift.auth.models import LoginFailure
from scanlift.runtime import Runtime
from tests.support.accounts import login, make_user

LIMIT = 1024 * 1024  # the default SCANLIFT_MAX_REQUEST_BODY_BYTES


def _failures(runtime: Runtime) -> int:
    with runtime.db.session() as session:
        return session.scalar(select(func.count()).select_from(LoginFailure)) or 0


def test_a_declared_oversized_body_is_refused_before_it_is_read(api: TestClient, runtime: Runtime) -> None:
    big = b'{"username": "' + b"a" * (2 * LIMIT) + b'", "password": "x"}'
    response = api.post("/api/v1/authenticate", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {
        "status": "error",
        "message": f"the request body is {len(big)} bytes; the limit is {LIMIT}",
    }
    assert _failures(runtime) == 0


def test_a_streamed_body_without_a_length_is_cut_off_at_the_limit(api: TestClient, runtime: Runtime) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"username": "'
        for _ in range(40):
            yield b"a" * 65536
        yield b'", "password": "x"}'

    response = api.post("/api/v1/authenticate", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["message"] == f"the request body is over the limit of {LIMIT} bytes"
    assert _failures(runtime) == 0


def test_a_file_upload_may_be_larger_than_a_json_body(api: TestClient, runtime: Runtime) -> None:
    make_user(runtime, "ana@example.com")
    headers = login(api, "ana@example.com")
    presigned = api.post("/api/v2/presigned-url", json={"name": "scan.nessus"}, headers=headers).json()
    content = b"<NessusClientData_v2>" + b" " * (3 * LIMIT) + b"</NessusClientData_v2>"
    url = presigned["url"].removeprefix("http://testserver")
    assert api.put(url, content=content).status_code == 200


def test_an_overlong_user_name_is_refused_and_not_stored(api: TestClient, runtime: Runtime) -> None:
    response = api.post("/api/v1/authenticate", json={"username": "a" * 321 + "@example.com", "password": "x"})
    assert response.status_code == 400
    assert response.json()["status"] == "error"
    assert _failures(runtime) == 0


def test_a_lone_surrogate_in_a_password_is_a_400_not_a_500(api: TestClient, runtime: Runtime) -> None:
    make_user(runtime, "ana@example.com")
    body = '{"username": "ana@example.com", "password": "\\ud800abc"}'
    response = api.post("/api/v1/authenticate", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["message"].startswith("invalid request: password: ")


def test_every_answer_carries_the_security_headers(api: TestClient, runtime: Runtime) -> None:
    make_user(runtime, "ana@example.com")
    headers = login(api, "ana@example.com")
    for response in (
        api.get("/api/v1/client/list", headers=headers),
        api.get("/api/v1/client/list"),  # a 401
        api.get("/api/v2/health/live"),
        api.get("/no/such/route"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_the_documentation_pages_may_run_their_scripts(api: TestClient) -> None:
    response = api.get("/docs")
    assert response.status_code == 200
    assert "content-security-policy" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"
