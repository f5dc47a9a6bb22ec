"""PlexTrac's login contract: token shapes, both Authorization forms, refresh, 401s, throttling."""

from __future__ import annotations

import jwt
from fastapi.testclient import TestClient

from scanlift.runtime import Runtime
from tests.support.accounts import login, make_user


def test_authenticate_returns_plextrac_fields(api: TestClient, runtime: Runtime) -> None:
    make_user(runtime, "ana@example.com")
    body = api.post(
        "/api/v1/authenticate", json={"username": "ana@example.com", "password": "correct-horse-battery"}
    ).json()
    assert body["status"] == "success"
    assert body["tenant_id"] == 0
    assert body["cookie"] == body["token"]
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert claims["username"] == "ana@example.com"


def test_raw_and_bearer_tokens_are_both_accepted(api: TestClient, runtime: Runtime) -> None:
    make_user(runtime, "ana@example.com")
    token = login(api, "ana@example.com")["Authorization"]
    assert api.get("/api/v1/client/list", headers={"Authorization": token}).status_code == 200
    assert api.get("/api/v1/client/list", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_missing_or_invalid_token_gets_401_json(api: TestClient, runtime: Runtime) -> None:
    for headers in ({}, {"Authorization": "garbage"}, {"Authorization": "Bearer x.y.z"}):
        response = api.get("/api/v1/client/list", headers=headers)
        assert response.status_code == 401
        assert response.json()["status"] == "error"
    forged = jwt.encode(
        {"sub": "1", "tenantId": 0, "username": "x", "exp": 9999999999},
        "a-different-key-of-sufficient-length-0123456789",
        "HS256",
    )
    assert api.get("/api/v1/client/list", headers={"Authorization": forged}).status_code == 401


def test_expired_token_is_refused(api: TestClient, runtime: Runtime) -> None:
    user = make_user(runtime, "ana@example.com")
    expired = jwt.encode(
        {"sub": str(user.id), "tenantId": 0, "username": user.email, "iat": 1, "exp": 2},
        runtime.secret,
        "HS256",
    )
    response = api.get("/api/v1/client/list", headers={"Authorization": expired})
    assert response.status_code == 401
    assert "expired" in response.json()["message"]


def test_refresh_issues_a_new_token(api: TestClient, runtime: Runtime) -> None:
    make_user(runtime, "ana@example.com")
    headers = login(api, "ana@example.com")
    for path in ("/api/v1/token/refresh", "/api/v1/authenticate"):
        body = api.put(path, headers=headers).json()
        assert body["status"] == "success"
        assert api.get("/api/v1/client/list", headers={"Authorization": body["token"]}).status_code == 200


def test_wrong_password_is_401_and_repeated_failures_are_throttled(api: TestClient, runtime: Runtime) -> None:
    make_user(runtime, "ana@example.com")
    bad = {"username": "ana@example.com", "password": "nope-nope-nope"}
    codes = [
        api.post("/api/v1/authenticate", json=bad).status_code
        for _ in range(runtime.settings.login_failures_per_minute)
    ]
    assert set(codes) == {401}
    throttled = api.post(
        "/api/v1/authenticate", json={"username": "ana@example.com", "password": "correct-horse-battery"}
    )
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "60"
    # Another user is not affected.
    make_user(runtime, "bob@example.com")
    assert (
        api.post(
            "/api/v1/authenticate", json={"username": "bob@example.com", "password": "correct-horse-battery"}
        ).status_code
        == 200
    )


def test_unknown_user_is_the_same_401(api: TestClient) -> None:
    response = api.post("/api/v1/authenticate", json={"username": "ghost@example.com", "password": "whatever1"})
    assert response.status_code == 401
    assert response.json()["message"] == "invalid username or password"
