"""Creating import jobs (step 3) and listing them (step 4)."""

from __future__ import annotations

import mimetypes
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from scanlift.auth.models import User
from scanlift.clients.models import Client, Report
from scanlift.clients.service import get_client, get_report, visible_clients
from scanlift.db.base import utcnow
from scanlift.errors import BadRequest, NotFound
from scanlift.jobs.models import FINISHED, ImportJob, JobKind
from scanlift.jobs.tags import ImportTags
from scanlift.parsers.registry import ASSET_SOURCES, UnknownSource, is_known_source
from scanlift.uploads.service import uploaded_object
from scanlift.uploads.storage import ObjectStore


@dataclass(frozen=True, slots=True)
class ImportRequest:
    source: str
    key: str
    file_name: str
    tags: ImportTags
    use_parser_actions: bool


def create_job(
    session: Session,
    store: ObjectStore,
    user: User,
    *,
    client_id: int,
    report_id: int,
    request: ImportRequest,
) -> ImportJob:
    """Check everything a job needs, then write its row. The caller commits, then enqueues."""
    if not is_known_source(request.source):
        raise BadRequest(str(UnknownSource(request.source)))
    report = get_report(session, user, client_id, report_id)
    job = ImportJob(
        **_file_fields(session, store, user, request.key, request.file_name),
        client_id=report.client_id,
        report_id=report.id,
        source=request.source,
        parser_actions_enabled=request.use_parser_actions,
        asset_tags=request.tags.assets,
        finding_tags=request.tags.findings,
    )
    session.add(job)
    session.flush()
    return job


@dataclass(frozen=True, slots=True)
class JobListing:
    job: ImportJob
    #: "" for an asset-only import.
    report_name: str
    client_name: str


def list_jobs(session: Session, user: User, *, retention_seconds: int) -> Sequence[JobListing]:
    """The caller's jobs, newest first: unfinished ones, and finished ones within the retention."""
    cutoff = utcnow() - timedelta(seconds=retention_seconds)
    rows = session.execute(
        select(ImportJob, Report.name, Client.name)
        .outerjoin(Report, Report.id == ImportJob.report_id)
        .join(Client, Client.id == ImportJob.client_id)
        .where(ImportJob.user_id == user.id, visible_clients(user))
        .where(or_(ImportJob.status.not_in(FINISHED), ImportJob.last_updated_at >= cutoff))
        .order_by(ImportJob.created_at.desc(), ImportJob.id)
    ).all()
    return [JobListing(job, report_name or "", client_name) for job, report_name, client_name in rows]


def get_job(session: Session, user: User, job_id: str) -> ImportJob:
    """One of the caller's jobs, while they may still see its client."""
    job = session.scalar(
        select(ImportJob)
        .join(Client, Client.id == ImportJob.client_id)
        .where(ImportJob.id == job_id, ImportJob.user_id == user.id, visible_clients(user))
    )
    if job is None:
        raise NotFound(f"import {job_id} not found")
    return job


def create_asset_job(
    session: Session,
    store: ObjectStore,
    user: User,
    *,
    client_id: int,
    source: str,
    key: str,
    file_name: str,
) -> ImportJob:
    """A job that creates or updates client assets only, from an uploaded file."""
    if source not in ASSET_SOURCES:
        raise BadRequest(f"unknown asset import source {source!r}; valid sources: {', '.join(sorted(ASSET_SOURCES))}")
    client = get_client(session, user, client_id)
    job = ImportJob(
        **_file_fields(session, store, user, key, file_name),
        kind=JobKind.ASSETS,
        client_id=client.id,
        report_id=None,
        source=source,
    )
    session.add(job)
    session.flush()
    return job


def _file_fields(session: Session, store: ObjectStore, user: User, key: str, file_name: str) -> dict[str, Any]:
    """A new job's owner and file: the upload key is taken (once), and the object's ETag is kept
    so that the worker reads exactly the bytes that were there when the import was queued."""
    upload, info = uploaded_object(session, store, user, key)
    name = file_name or upload.file_name
    return {
        "id": str(uuid.uuid4()),
        "tenant_id": user.tenant_id,
        "user_id": user.id,
        "user_email": user.email,
        "file_location": key,
        "original_filename": name,
        "file_type": mimetypes.guess_type(name)[0] or "application/octet-stream",
        "file_size": info.size,
        "file_etag": info.etag,
    }
