"""Logout revokes the token it is sent with; changing one's password revokes them all."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from scanlift.auth.models import RevokedToken
from scanlift.db.base import utcnow
from scanlift.runtime import Runtime
from tests.support.accounts import login, make_user


def test_logout_revokes_the_presented_token_only(api: TestClient, runtime: Runtime) -> None:
    make_user(runtime, "ana@example.com")
    first, second = login(api, "ana@example.com"), login(api, "ana@example.com")
    response = api.post("/api/v1/logout", headers=first)
    assert response.status_code == 200
    assert response.json()["status"] == "success"
    for path in ("/api/v1/client/list", "/api/v1/token/refresh"):
        refused = api.request("GET" if "list" in path else "PUT", path, headers=first)
        assert refused.status_code == 401
        assert refused.json() == {"status": "error", "message": "the token was revoked; authenticate again"}
    assert api.post("/api/v1/logout", headers=first).status_code == 401
    assert api.get("/api/v1/client/list", headers=second).status_code == 200


def test_revoked_tokens_are_forgotten_once_expired(api: TestClient, runtime: Runtime) -> None:
    user = make_user(runtime, "ana@example.com")
    with runtime.db.session() as session:
        session.add(RevokedToken(jti="old", user_id=user.id, expires_at=utcnow() - timedelta(minutes=1)))
    api.post("/api/v1/logout", headers=login(api, "ana@example.com"))
    with runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(RevokedToken)) == 1
        assert session.get(RevokedToken, "old") is None


def test_changing_ones_password_revokes_every_token(api: TestClient, runtime: Runtime) -> None:
    make_user(runtime, "ana@example.com")
    headers, other = login(api, "ana@example.com"), login(api, "ana@example.com")
    wrong = {"current_password": "not-the-password", "new_password": "a-new-long-password"}
    assert api.put("/api/v1/user/password", json=wrong, headers=headers).status_code == 400
    body = {"current_password": "correct-horse-battery", "new_password": "a-new-long-password"}
    assert api.put("/api/v1/user/password", json=body, headers=headers).status_code == 200
    assert api.get("/api/v1/client/list", headers=headers).status_code == 401
    assert api.get("/api/v1/client/list", headers=other).status_code == 401
    assert (
        api.get("/api/v1/client/list", headers=login(api, "ana@example.com", "a-new-long-password")).status_code == 200
    )
