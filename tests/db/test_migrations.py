"""The Alembic migrations build exactly the schema the models describe, and run both ways."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from scanlift.db.migrate import SchemaOutOfDate, alembic_config, ensure_current, head_revision, upgrade
from scanlift.db.models import Base


def test_migrations_match_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "base")
    upgrade(url)
    engine = create_engine(url)
    ensure_current(engine, url)
    engine.dispose()


def test_an_old_schema_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url, "0001")
    engine = create_engine(url)
    with pytest.raises(SchemaOutOfDate, match="run `scanlift db upgrade`") as caught:
        ensure_current(engine, url)
    engine.dispose()
    assert f"needs {head_revision(url)}" in str(caught.value)
