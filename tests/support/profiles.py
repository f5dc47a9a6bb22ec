"""Deployment profiles the end-to-end tests run under: embedded, and production back ends."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import psycopg

from scanlift.db.migrate import upgrade
from tests.support.seaweed import SeaweedS3

#: A PostgreSQL server the tests may create databases on (trust auth on the dev and CI machines).
POSTGRES_ADMIN_URL = os.environ.get("SCANLIFT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("SCANLIFT_TEST_REDIS", "redis://127.0.0.1:6379/0")
RABBITMQ_URL = os.environ.get("SCANLIFT_TEST_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672//")

#: For ``pytest.mark.parametrize("database", BOTH_DATABASES, indirect=True)``: the test runs on
#: the embedded SQLite database and on PostgreSQL.
BOTH_DATABASES = ["sqlite", "postgresql"]

EMBEDDED = "embedded"
PG_S3_REDIS = "postgres+s3+redis"
PG_S3_RABBITMQ = "postgres+s3+rabbitmq"
PROFILES = (EMBEDDED, PG_S3_REDIS, PG_S3_RABBITMQ)


@contextmanager
def postgres_database(template: str | None = None) -> Iterator[str]:
    """A fresh database, empty or a copy of the ``template`` database's URL; dropped afterwards."""
    name = f"scanlift_test_{uuid.uuid4().hex[:12]}"
    copy_of = f' TEMPLATE "{template.rpartition("/")[2]}"' if template else ""
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"{copy_of}')
    base, _, _ = POSTGRES_ADMIN_URL.rpartition("/")
    try:
        yield f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def postgres_template() -> Iterator[str]:
    """A database migrated once by the real migrations, for ``postgres_database(template=…)``:
    a copy is migrated and empty, made in a fraction of a second."""
    with postgres_database() as url:
        upgrade(url)
        yield url


@contextmanager
def profile_env(profile: str, seaweed: SeaweedS3 | None, database_url: str | None = None) -> Iterator[dict[str, str]]:
    """SCANLIFT_* variables for a profile, with its database migrated the way an operator does.

    The database is a fresh one on the shared server unless ``database_url`` names another."""
    if profile == EMBEDDED:
        yield {}
        return
    assert seaweed is not None
    with nullcontext(database_url) if database_url else postgres_database() as url:
        env = {
            "SCANLIFT_DATABASE_URL": url,
            "SCANLIFT_STORAGE_URL": f"s3://scanlift-{uuid.uuid4().hex[:10]}/uploads",
            "SCANLIFT_S3_ENDPOINT_URL": seaweed.endpoint_url,
            "SCANLIFT_S3_ACCESS_KEY_ID": seaweed.access_key_id,
            "SCANLIFT_S3_SECRET_ACCESS_KEY": seaweed.secret_access_key,
            "SCANLIFT_S3_REGION": seaweed.region,
            "SCANLIFT_BROKER_URL": REDIS_URL if profile == PG_S3_REDIS else RABBITMQ_URL,
            # A private queue on the shared broker.
            "SCANLIFT_QUEUE_NAME": f"imports-{uuid.uuid4().hex[:8]}",
        }
        subprocess.run(
            [sys.executable, "-m", "scanlift", "db", "upgrade"],
            env={**_clean_environ(), **env, "SCANLIFT_DATA_DIR": str(Path.cwd() / "data")},
            check=True,
            capture_output=True,
        )
        yield env


def _clean_environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SCANLIFT_")}
