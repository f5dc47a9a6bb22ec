"""Clients, reports and their read routes, and the tenant wall between them."""

from __future__ import annotations

from fastapi.testclient import TestClient

from scanlift.runtime import Runtime
from tests.support.accounts import login, make_user


def _client_and_report(api: TestClient, headers: dict[str, str]) -> tuple[int, int]:
    client_id = api.post("/api/v1/client/create", json={"name": "ACME", "poc": "Jo"}, headers=headers).json()[
        "client_id"
    ]
    created = api.post(f"/api/v1/client/{client_id}/report/create", json={"name": "Q4 test"}, headers=headers).json()
    assert created["message"] == "success"
    assert created["doc_id"] == f"report_{created['report_id']}_client_{client_id}"
    return client_id, created["report_id"]


def test_create_and_read_back(api: TestClient, runtime: Runtime) -> None:
    make_user(runtime, "ana@example.com")
    headers = login(api, "ana@example.com")
    client_id, report_id = _client_and_report(api, headers)
    assert api.get("/api/v1/client/list", headers=headers).json() == [
        {"id": f"client_{client_id}", "doc_id": [client_id], "data": [client_id, "ACME", None]}
    ]
    client = api.get(f"/api/v1/client/{client_id}", headers=headers).json()
    assert (client["name"], client["poc"], client["doc_type"]) == ("ACME", "Jo", "client")
    rows = api.get(f"/api/v1/client/{client_id}/reports", headers=headers).json()
    assert rows[0]["data"][:5] == [report_id, "Q4 test", None, "Draft", 0]
    report = api.get(f"/api/v1/client/{client_id}/report/{report_id}", headers=headers).json()
    assert report["name"] == "Q4 test"
    assert api.get(f"/api/v1/client/{client_id}/report/{report_id}/flaws", headers=headers).json() == []
    assert api.get(f"/api/v1/client/{client_id}/assets", headers=headers).json() == []


def test_other_tenant_sees_nothing(api: TestClient, runtime: Runtime) -> None:
    make_user(runtime, "ana@example.com", tenant_id=0)
    make_user(runtime, "eve@example.com", tenant_id=7)
    client_id, report_id = _client_and_report(api, login(api, "ana@example.com"))
    eve = login(api, "eve@example.com")
    assert api.get("/api/v1/client/list", headers=eve).json() == []
    for path in (
        f"/api/v1/client/{client_id}",
        f"/api/v1/client/{client_id}/reports",
        f"/api/v1/client/{client_id}/report/{report_id}",
        f"/api/v1/client/{client_id}/report/{report_id}/flaws",
        f"/api/v1/client/{client_id}/assets",
    ):
        response = api.get(path, headers=eve)
        assert response.status_code == 404, path
        assert "ACME" not in response.text
    denied = api.post(f"/api/v1/client/{client_id}/report/create", json={"name": "x"}, headers=eve)
    assert denied.status_code == 404


def test_report_must_belong_to_the_client(api: TestClient, runtime: Runtime) -> None:
    make_user(runtime, "ana@example.com")
    headers = login(api, "ana@example.com")
    _, report_id = _client_and_report(api, headers)
    second, _ = _client_and_report(api, headers)
    assert api.get(f"/api/v1/client/{second}/report/{report_id}", headers=headers).status_code == 404


def test_validation_errors_are_400_with_a_message(api: TestClient, runtime: Runtime) -> None:
    make_user(runtime, "ana@example.com")
    response = api.post("/api/v1/client/create", json={}, headers=login(api, "ana@example.com"))
    assert response.status_code == 400
    assert "name" in response.json()["message"]
