"""What every process needs at hand: settings, the database, the object store and the queue."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from scanlift.config import Settings
from scanlift.db.engine import Database
from scanlift.jobs.queue import JobQueue, make_celery
from scanlift.uploads.storage import ObjectStore, open_store


@dataclass
class Runtime:
    settings: Settings

    @cached_property
    def db(self) -> Database:
        return Database(self.settings.resolved_database_url)

    @cached_property
    def storage(self) -> ObjectStore:
        return open_store(self.settings)

    @cached_property
    def queue(self) -> JobQueue:
        return JobQueue(make_celery(self.settings), self.settings.queue_name)

    @cached_property
    def secret(self) -> str:
        return self.settings.resolved_secret_key()

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.dispose()
