"""Administrators manage the users of their own tenant: create, list, update, disable, reset."""

from __future__ import annotations

from fastapi.testclient import TestClient

from scanlift.auth.roles import Role
from scanlift.runtime import Runtime
from tests.support.accounts import login, make_user, user_headers

USERS = "/api/v1/tenant/0/user"


def test_create_list_get_and_update_a_user(api: TestClient, runtime: Runtime) -> None:
    admin = user_headers(api, runtime, "root@example.com", Role.ADMINISTRATOR)
    body = {"email": "New@Example.com", "password": "long-enough-pw", "role": "viewer", "first_name": "Nia"}
    created = api.post(f"{USERS}/create", json=body, headers=admin)
    assert created.status_code == 200, created.text
    user = created.json()
    assert (user["email"], user["role"], user["first_name"], user["clients"]) == (
        "new@example.com",
        "viewer",
        "Nia",
        [],
    )
    assert api.post(f"{USERS}/create", json=body, headers=admin).status_code == 409
    assert {u["email"] for u in api.get(f"{USERS}/list", headers=admin).json()} == {"root@example.com", user["email"]}
    updated = api.put(f"{USERS}/{user['id']}", json={"role": "analyst", "last_name": "Ng"}, headers=admin).json()
    assert (updated["role"], updated["first_name"], updated["last_name"]) == ("analyst", "Nia", "Ng")
    assert api.get(f"{USERS}/{user['id']}", headers=admin).json() == updated
    assert login(api, "new@example.com", "long-enough-pw")


def test_another_tenant_and_its_users_are_404(api: TestClient, runtime: Runtime) -> None:
    admin = user_headers(api, runtime, "root@example.com", Role.ADMINISTRATOR)
    stranger = make_user(runtime, "eve@example.com", tenant_id=7)
    assert api.get("/api/v1/tenant/7/user/list", headers=admin).status_code == 404
    assert api.get(f"/api/v1/tenant/7/user/{stranger.id}", headers=admin).status_code == 404
    assert api.get(f"{USERS}/{stranger.id}", headers=admin).status_code == 404
    assert api.put(f"{USERS}/{stranger.id}/disable", headers=admin).status_code == 404
    body = {"email": "x@example.com", "password": "long-enough-pw"}
    assert api.post("/api/v1/tenant/7/user/create", json=body, headers=admin).status_code == 404


def test_an_admin_cannot_lock_themselves_out(api: TestClient, runtime: Runtime) -> None:
    admin = user_headers(api, runtime, "root@example.com", Role.ADMINISTRATOR)
    me = api.get("/api/v1/user/whoami", headers=admin).json()["id"]
    assert api.put(f"{USERS}/{me}/disable", headers=admin).status_code == 409
    assert api.put(f"{USERS}/{me}", json={"role": "viewer"}, headers=admin).status_code == 409


def test_a_disabled_user_cannot_log_in_and_their_token_stops_working(api: TestClient, runtime: Runtime) -> None:
    admin = user_headers(api, runtime, "root@example.com", Role.ADMINISTRATOR)
    ann = make_user(runtime, "ann@example.com", role=Role.ANALYST)
    token = login(api, "ann@example.com")
    assert api.get("/api/v1/client/list", headers=token).status_code == 200
    assert api.put(f"{USERS}/{ann.id}/disable", headers=admin).json()["disabled"] is True
    assert api.get("/api/v1/client/list", headers=token).status_code == 401
    refused = api.post(
        "/api/v1/authenticate", json={"username": "ann@example.com", "password": "correct-horse-battery"}
    )
    assert refused.status_code == 401
    assert refused.json() == {"status": "error", "message": "this account is disabled"}
    assert api.put(f"{USERS}/{ann.id}/enable", headers=admin).json()["disabled"] is False
    assert api.get("/api/v1/client/list", headers=token).status_code == 401  # revoked, not just paused
    assert api.get("/api/v1/client/list", headers=login(api, "ann@example.com")).status_code == 200


def test_a_password_reset_revokes_every_token(api: TestClient, runtime: Runtime) -> None:
    admin = user_headers(api, runtime, "root@example.com", Role.ADMINISTRATOR)
    ann = make_user(runtime, "ann@example.com", role=Role.ANALYST)
    tokens = [login(api, "ann@example.com"), login(api, "ann@example.com")]
    reset = api.put(f"{USERS}/{ann.id}/password", json={"password": "a-new-long-password"}, headers=admin)
    assert reset.status_code == 200
    for token in tokens:
        response = api.get("/api/v1/client/list", headers=token)
        assert response.status_code == 401
        assert "revoked" in response.json()["message"]
    assert (
        api.get("/api/v1/client/list", headers=login(api, "ann@example.com", "a-new-long-password")).status_code == 200
    )
    short = api.put(f"{USERS}/{ann.id}/password", json={"password": "short"}, headers=admin)
    assert short.status_code == 400


def test_grant_and_revoke_a_client(api: TestClient, runtime: Runtime) -> None:
    admin = user_headers(api, runtime, "root@example.com", Role.ADMINISTRATOR)
    client_id = api.post("/api/v1/client/create", json={"name": "ACME"}, headers=admin).json()["client_id"]
    ann = make_user(runtime, "ann@example.com", role=Role.VIEWER)
    ann_headers = login(api, "ann@example.com")
    assert api.get(f"/api/v1/client/{client_id}", headers=ann_headers).status_code == 404
    granted = api.put(f"{USERS}/{ann.id}/client/{client_id}", headers=admin)
    assert granted.json()["clients"] == [client_id]
    assert api.put(f"{USERS}/{ann.id}/client/{client_id}", headers=admin).json()["clients"] == [client_id]
    assert api.get(f"/api/v1/client/{client_id}", headers=ann_headers).status_code == 200
    assert api.delete(f"{USERS}/{ann.id}/client/{client_id}", headers=admin).json()["clients"] == []
    assert api.get(f"/api/v1/client/{client_id}", headers=ann_headers).status_code == 404
    assert api.put(f"{USERS}/{ann.id}/client/{2**31 - 1}", headers=admin).status_code == 404
