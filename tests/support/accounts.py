"""Users and logins for tests."""

from __future__ import annotations

from fastapi.testclient import TestClient

from scanlift.auth.models import User
from scanlift.auth.service import create_user
from scanlift.runtime import Runtime


def make_user(runtime: Runtime, email: str, tenant_id: int = 0, password: str = "correct-horse-battery") -> User:
    with runtime.db.session() as session:
        return create_user(session, email=email, password=password, tenant_id=tenant_id)


def login(api: TestClient, email: str, password: str = "correct-horse-battery") -> dict[str, str]:
    response = api.post("/api/v1/authenticate", json={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": response.json()["token"]}
