"""Schema migrations with Alembic, driven from code so no alembic.ini is needed at run time."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


class SchemaOutOfDate(RuntimeError):
    def __init__(self, current: str | None, head: str | None) -> None:
        super().__init__(
            f"the database schema is at revision {current or 'none'} but this scanlift needs {head}; "
            "run `scanlift db upgrade` first"
        )


def ensure_current(engine: Engine, url: str) -> None:
    """Refuse to run against a database whose schema is not at this code's head revision."""
    current, head = current_revision(engine), head_revision(url)
    if current != head:
        raise SchemaOutOfDate(current, head)
