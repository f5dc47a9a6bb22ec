"""Shared fixtures. The scanner corpus lives outside the repository, at ../shared/corpus."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from scanlift.app import create_app
from scanlift.auth.service import ensure_tenant
from scanlift.config import Settings
from scanlift.db.migrate import upgrade
from scanlift.runtime import Runtime
from tests.support.harness import Harness

if TYPE_CHECKING:
    from tests.support.seaweed import SeaweedS3

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


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The schema is built once by the real migrations; each test starts from a copy of it."""
    path = tmp_path_factory.mktemp("template") / "scanlift.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[str]:
    """A PostgreSQL database built once by the real migrations, the template of per-test copies."""
    from tests.support.profiles import postgres_template

    with postgres_template() as url:
        yield url


@pytest.fixture
def database(request: pytest.FixtureRequest, settings: Settings, migrated_sqlite: Path) -> Iterator[str | None]:
    """The database a test runs on: SQLite by default; a module lists ``postgresql`` too with
    ``pytestmark = pytest.mark.parametrize("database", BOTH_DATABASES, indirect=True)``."""
    if getattr(request, "param", "sqlite") == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(migrated_sqlite, settings.data_dir / "scanlift.db")
        yield None
        return
    from tests.support.profiles import postgres_database

    with postgres_database(template=request.getfixturevalue("migrated_postgres")) as url:
        yield url


@pytest.fixture
def runtime(settings: Settings, database: str | None) -> Iterator[Runtime]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.database_url = database
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


@pytest.fixture
def harness(runtime: Runtime) -> Harness:
    return Harness(runtime)


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    """A real SigV4 S3 server (SeaweedFS ``weed mini``) shared by the session; tests use their own buckets."""
    from tests.support.seaweed import running_seaweed  # boto3 loads only for the tests that need S3

    with running_seaweed(tmp_path_factory.mktemp("seaweed")) as server:
        yield server
