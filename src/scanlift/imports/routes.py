"""Step 3 (preuploaded-import) and step 4 (my-imports) of PlexTrac's v2 import flow."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import update

from scanlift.db.base import utcnow
from scanlift.deps import CurrentUser, RuntimeDep, SessionDep
from scanlift.imports import service, views
from scanlift.imports.models import ImportJob
from scanlift.imports.tags import parse_tags
from scanlift.runtime import Runtime

router = APIRouter(tags=["imports"])


class PreuploadedImport(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    key: str = Field(min_length=1)
    file_name: str = Field(default="", alias="fileName")
    tags: str | dict[str, Any] | None = None
    use_parser_actions: bool = Field(default=False, alias="useParserActions")


@router.post("/api/v2/client/{client_id}/report/{report_id}/preuploaded-import/{source}")
def preuploaded_import(
    client_id: int,
    report_id: int,
    source: str,
    body: PreuploadedImport,
    user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> dict[str, Any]:
    """Queue an import of an uploaded file. The job's outcome shows in /api/v2/my-imports."""
    request = service.ImportRequest(
        source=source,
        key=body.key,
        file_name=body.file_name,
        tags=parse_tags(body.tags),
        use_parser_actions=body.use_parser_actions,
    )
    job = service.create_job(session, runtime.storage, user, client_id=client_id, report_id=report_id, request=request)
    snapshot = views.job_object(job)
    session.commit()  # the row must exist before any worker can see the message
    _enqueue(runtime, job)
    return {"status": "success", "operationId": job.id, "importJob": snapshot}


def _enqueue(runtime: Runtime, job: ImportJob) -> None:
    """Send the job id; if the broker is down, the sweeper sends it later (enqueued_at stays null)."""
    try:
        runtime.queue.enqueue(job.id)
    except Exception:
        return
    with runtime.db.session() as fresh:
        fresh.execute(
            update(ImportJob)
            .where(ImportJob.id == job.id, ImportJob.enqueued_at.is_(None))
            .values(enqueued_at=utcnow())
        )


@router.get("/api/v2/my-imports")
def my_imports(user: CurrentUser, session: SessionDep, runtime: RuntimeDep) -> list[dict[str, Any]]:
    """The caller's recent imports, newest first. Match an import on ``key`` = its operationId."""
    listings = service.list_jobs(session, user, retention_seconds=runtime.settings.job_retention_seconds)
    return [
        views.my_imports_row(entry.job, report_name=entry.report_name, client_name=entry.client_name)
        for entry in listings
    ]


@router.get("/api/v2/my-imports/{operation_id}")
def my_import(operation_id: str, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """The full importJob for one operationId."""
    return views.job_object(service.get_job(session, user, operation_id))
