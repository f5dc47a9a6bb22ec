"""A user with a client and report in a real SQLite database, and a pipeline to import into it."""

from __future__ import annotations

import uuid
from datetime import timedelta

from scanlift.auth.models import User
from scanlift.clients.models import Client, Report
from scanlift.db.base import utcnow
from scanlift.db.engine import Database
from scanlift.imports.service import ImportRequest, create_job
from scanlift.jobs.models import ImportJob
from scanlift.jobs.pipeline import ImportPipeline, JobSettings
from scanlift.jobs.tags import ImportTags
from scanlift.runtime import Runtime
from scanlift.uploads.keys import new_key
from scanlift.uploads.models import UploadKey
from scanlift.uploads.storage.local import LocalObjectStore
from tests.support.accounts import make_user
from tests.support.state import report_state


def new_report(db: Database, *, client_name: str, report_name: str, tenant_id: int = 0) -> tuple[int, int]:
    """A new client with one report, in an existing tenant: (client id, report id)."""
    with db.session() as session:
        client = Client(tenant_id=tenant_id, name=client_name)
        session.add(client)
        session.flush()
        report = Report(tenant_id=tenant_id, client_id=client.id, name=report_name)
        session.add(report)
        session.flush()
        return client.id, report.id


class Harness:
    """A user with one client and report, and helpers to upload and import files."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.user: User = make_user(runtime, f"{uuid.uuid4().hex[:8]}@example.com")
        self.client_id, self.report_id = new_report(runtime.db, client_name="ACME", report_name="R")
        self.pipeline = ImportPipeline(runtime.db, runtime.storage, JobSettings(lease_seconds=30, max_bytes=10**9))

    def upload(self, content: bytes, name: str = "scan.nessus") -> str:
        store = self.runtime.storage
        assert isinstance(store, LocalObjectStore)
        key = new_key(name)
        path = store.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        with self.runtime.db.session() as session:
            expires = utcnow() + timedelta(hours=1)
            session.add(UploadKey(key=key, tenant_id=0, user_id=self.user.id, file_name=name, expires_at=expires))
        return key

    def queue(self, content: bytes, source: str = "nessus", tags: ImportTags | None = None) -> str:
        key = self.upload(content)
        with self.runtime.db.session() as session:
            user = session.get(User, self.user.id)
            assert user is not None
            job = create_job(
                session,
                self.runtime.storage,
                user,
                client_id=self.client_id,
                report_id=self.report_id,
                request=ImportRequest(source, key, "scan.nessus", tags or ImportTags([], []), False),
            )
            return job.id

    def run(self, content: bytes, source: str = "nessus", tags: ImportTags | None = None) -> ImportJob:
        job_id = self.queue(content, source, tags)
        self.pipeline.run(job_id)
        return self.job(job_id)

    def job(self, job_id: str) -> ImportJob:
        with self.runtime.db.session() as session:
            job = session.get(ImportJob, job_id)
            assert job is not None
            return job

    def state(self) -> dict[str, object]:
        with self.runtime.db.session() as session:
            return report_state(session, client_id=self.client_id, report_id=self.report_id)
