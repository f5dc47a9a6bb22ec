"""Shared fixtures. The scanner corpus lives outside the repository, at ../shared/corpus."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from scanlift.app import create_app
from scanlift.auth.models import User
from scanlift.auth.service import create_user, ensure_tenant
from scanlift.config import Settings
from scanlift.db.migrate import upgrade
from scanlift.runtime import Runtime

CORPUS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS_DIR.is_dir():
        pytest.fail(f"scanner corpus not found at {CORPUS_DIR} (expected ../shared/corpus beside the repo)")
    return CORPUS_DIR


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Embedded defaults in a private data directory; nothing is read from the environment."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        public_url="http://testserver",
        secret_key=SecretStr("test-secret-key-that-is-long-enough-for-hs256"),
        job_lease_seconds=30,
    )


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    runtime = Runtime(settings)
    with runtime.db.session() as session:
        ensure_tenant(session, 0)
        ensure_tenant(session, 7)
    yield runtime
    runtime.close()


@pytest.fixture
def api(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime.settings, runtime)) as client:
        yield client


def make_user(runtime: Runtime, email: str, tenant_id: int = 0, password: str = "correct-horse-battery") -> User:
    with runtime.db.session() as session:
        return create_user(session, email=email, password=password, tenant_id=tenant_id)


def login(api: TestClient, email: str, password: str = "correct-horse-battery") -> dict[str, str]:
    response = api.post("/api/v1/authenticate", json={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": response.json()["token"]}
