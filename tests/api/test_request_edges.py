"""Requests the contract test (test_openapi_contract.py) found answered with a 500 or off the error
shape, each kept here as a plain example: all are refusals in the one error body."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from scanlift.runtime import Runtime
from tests.support.accounts import login, make_user


@pytest.fixture
def ana(api: TestClient, runtime: Runtime) -> dict[str, str]:
    make_user(runtime, "ana@example.com")
    return login(api, "ana@example.com")


def _refused(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error"
    return str(body["message"])


@pytest.mark.parametrize("client_id", [2**31, 2**63, 2**64, -1])
def test_an_id_beyond_the_database_range_is_a_400(api: TestClient, ana: dict[str, str], client_id: int) -> None:
    assert "client_id" in _refused(api.get(f"/api/v1/client/{client_id}", headers=ana), 400)


def test_a_body_that_is_not_utf8_is_a_400(api: TestClient, ana: dict[str, str]) -> None:
    response = api.post(
        "/api/v1/client/create", content=b"\xff\xfe", headers={**ana, "content-type": "application/json"}
    )
    _refused(response, 400)


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"key": ""}'])
def test_a_malformed_asset_import_body_is_a_400(api: TestClient, ana: dict[str, str], body: bytes) -> None:
    client_id = api.post("/api/v1/client/create", json={"name": "ACME"}, headers=ana).json()["client_id"]
    response = api.post(
        f"/api/v2/client/{client_id}/assets/import/nmap-xml",
        content=body,
        headers={**ana, "content-type": "application/json"},
    )
    _refused(response, 400)


def test_a_multipart_body_over_the_field_limit_is_a_400(api: TestClient, ana: dict[str, str]) -> None:
    client_id = api.post("/api/v1/client/create", json={"name": "ACME"}, headers=ana).json()["client_id"]
    fields = {f"f{n}": "x" for n in range(20)}
    response = api.post(
        f"/api/v2/client/{client_id}/assets/import/nmap-xml", data=fields, files={"file": b"<x/>"}, headers=ana
    )
    assert "fields" in _refused(response, 400)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/client/create", {"name": "AC\x00ME"}),
        ("/api/v2/presigned-url", {"name": "scan\x00.nessus"}),
        ("/api/v1/authenticate", {"username": "ana\x00@example.com", "password": "x"}),
    ],
)
def test_text_with_a_nul_character_is_a_400(
    api: TestClient, ana: dict[str, str], path: str, body: dict[str, str]
) -> None:
    _refused(api.post(path, json=body, headers=ana), 400)


def test_a_signature_with_non_ascii_characters_is_refused(api: TestClient, ana: dict[str, str]) -> None:
    key = api.post("/api/v2/presigned-url", json={"name": "a.xml"}, headers=ana).json()["key"]
    response = api.put(f"/cloud/uploads/{key}?X-Scanlift-Expires=9999999999&X-Scanlift-Signature=%C2%80", content=b"x")
    _refused(response, 403)


def test_an_unknown_path_and_method_answer_in_the_error_shape(api: TestClient) -> None:
    _refused(api.get("/api/v1/nowhere"), 404)
    _refused(api.delete("/api/v1/client/list"), 405)
