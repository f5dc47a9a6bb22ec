"""What every process needs at hand: settings, the database, the object store and the queue."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from scanlift.config import Settings
from scanlift.db.engine import Database
from scanlift.jobs.pipeline import ImportPipeline, JobSettings
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
    def pipeline(self) -> ImportPipeline:
        """The import pipeline of this process (a worker's pool process builds its own runtime)."""
        settings = self.settings
        return ImportPipeline(
            self.db,
            self.storage,
            JobSettings(
                lease_seconds=settings.job_lease_seconds,
                max_bytes=settings.max_upload_bytes,
                retry_seconds=settings.job_retry_seconds,
                merge_slots=settings.max_concurrent_merges,
            ),
        )

    @cached_property
    def secret(self) -> str:
        return self.settings.resolved_secret_key()

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.dispose()
