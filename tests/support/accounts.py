"""Users and logins for tests."""

from __future__ import annotations

from fastapi.testclient import TestClient

from scanlift.auth.models import User
from scanlift.auth.roles import Role
from scanlift.auth.service import create_user
from scanlift.runtime import Runtime


def make_user(
    runtime: Runtime,
    email: str,
    tenant_id: int = 0,
    password: str = "correct-horse-battery",
    role: Role = Role.ADMINISTRATOR,
) -> User:
    """A user, by default an administrator of their tenant: sees every client of it, as every
    user did before roles, so tests that are not about roles keep their meaning."""
    with runtime.db.session() as session:
        return create_user(session, email=email, password=password, tenant_id=tenant_id, role=role)


def login(api: TestClient, email: str, password: str = "correct-horse-battery") -> dict[str, str]:
    response = api.post("/api/v1/authenticate", json={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": response.json()["token"]}


def user_headers(api: TestClient, runtime: Runtime, email: str, role: Role, tenant_id: int = 0) -> dict[str, str]:
    """A new user with ``role``, logged in."""
    make_user(runtime, email, tenant_id=tenant_id, role=role)
    return login(api, email)
