"""The Alembic migrations build exactly the schema the models describe, and run both ways."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from scanlift.db.migrate import SchemaOutOfDate, alembic_config, ensure_current, head_revision, upgrade
from scanlift.db.models import Base
from tests.support.profiles import postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    with postgres_database() as url:
        yield url


def test_migrations_match_the_models(empty_database: str) -> None:
    upgrade(empty_database)
    engine = create_engine(empty_database)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_downgrade_and_upgrade_again(empty_database: str) -> None:
    upgrade(empty_database)
    command.downgrade(alembic_config(empty_database), "base")
    upgrade(empty_database)
    engine = create_engine(empty_database)
    ensure_current(engine, empty_database)
    engine.dispose()


def test_evidence_text_is_compressed_with_lz4_on_postgresql() -> None:
    with postgres_database() as url:
        upgrade(url)
        engine = create_engine(url)
        with engine.connect() as connection:
            methods = dict(
                connection.execute(
                    text(
                        "SELECT attname, attcompression FROM pg_attribute "
                        "WHERE attrelid = 'evidence'::regclass AND attname IN ('code', 'caption')"
                    )
                ).all()
            )
            lz4 = (
                "lz4"
                in connection.execute(
                    text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
                ).scalar_one()
            )
        engine.dispose()
    if not lz4:
        pytest.skip("this PostgreSQL server was built without lz4")
    assert methods == {"code": "l", "caption": "l"}


def test_an_old_schema_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url, "0001")
    engine = create_engine(url)
    with pytest.raises(SchemaOutOfDate, match="run `scanlift db upgrade`") as caught:
        ensure_current(engine, url)
    engine.dispose()
    assert f"needs {head_revision(url)}" in str(caught.value)
