"""Step 3 (preuploaded-import) and step 4 (my-imports) of PlexTrac's v2 import flow."""

from __future__ import annotations

from functools import partial

import anyio
from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from scanlift.auth.models import User
from scanlift.deps import Importer, Reader, RuntimeDep, SessionDep
from scanlift.errors import BadRequest
from scanlift.imports import service, views
from scanlift.imports.schemas import (
    ASSET_IMPORT_BODY,
    AssetImport,
    ImportJobObject,
    ImportQueued,
    MyImportsRow,
    PreuploadedImport,
)
from scanlift.jobs.dispatch import dispatch
from scanlift.jobs.tags import parse_tags
from scanlift.runtime import Runtime
from scanlift.schemas import AUTHENTICATED, PathId, PathText, error_responses
from scanlift.uploads.service import issue_key

router = APIRouter(tags=["imports"])


@router.post(
    "/api/v2/client/{client_id}/report/{report_id}/preuploaded-import/{source}",
    responses=error_responses(400, 403, 404, 409, *AUTHENTICATED),
)
def preuploaded_import(
    client_id: PathId,
    report_id: PathId,
    source: str,
    body: PreuploadedImport,
    user: Importer,
    session: SessionDep,
    runtime: RuntimeDep,
) -> ImportQueued:
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
    _enqueue(runtime, job.id)
    return ImportQueued(status="success", operationId=job.id, importJob=snapshot)


def _enqueue(runtime: Runtime, job_id: str) -> None:
    """Send the job id; if the broker is down, the sweeper sends it later."""
    dispatch(runtime.db, runtime.queue, job_id)


@router.get("/api/v2/my-imports", responses=error_responses(*AUTHENTICATED))
def my_imports(user: Reader, session: SessionDep, runtime: RuntimeDep) -> list[MyImportsRow]:
    """The caller's recent imports, newest first. Match an import on ``key`` = its operationId."""
    listings = service.list_jobs(session, user, retention_seconds=runtime.settings.job_retention_seconds)
    return [
        views.my_imports_row(entry.job, report_name=entry.report_name, client_name=entry.client_name)
        for entry in listings
    ]


@router.get("/api/v2/my-imports/{operation_id}", responses=error_responses(404, *AUTHENTICATED))
def my_import(operation_id: PathText, user: Reader, session: SessionDep) -> ImportJobObject:
    """The full importJob for one operationId."""
    return views.job_object(service.get_job(session, user, operation_id))


@router.post(
    "/api/v2/client/{client_id}/assets/import/{source}",
    responses=error_responses(400, 403, 404, 409, 413, *AUTHENTICATED),
    openapi_extra=ASSET_IMPORT_BODY,
)
async def import_assets(
    client_id: PathId, source: str, request: Request, user: Importer, runtime: RuntimeDep
) -> ImportQueued:
    """Create or update client assets from an Nmap XML file, through the import queue.

    Send the file as multipart field ``file`` (as PlexTrac's route takes it), or send
    ``{"key": …, "fileName": …}`` for a file already uploaded through /api/v2/presigned-url.
    """
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise BadRequest("multipart body needs the file in field 'file'")
        file_name = upload.filename or "nmap.xml"
        if "\x00" in file_name:  # kept as the import's original_filename, and PostgreSQL refuses NUL
            raise BadRequest("the file's name contains a NUL character")
        key = await anyio.to_thread.run_sync(partial(_store_upload, runtime, user, upload, file_name))
        await form.close()
    else:
        body = _asset_import(await request.body())
        key, file_name = body.key, body.file_name
    job_id, snapshot = await anyio.to_thread.run_sync(
        partial(_queue_asset_job, runtime, user, client_id, source, key, file_name)
    )
    await anyio.to_thread.run_sync(_enqueue, runtime, job_id)
    return ImportQueued(status="success", operationId=job_id, importJob=snapshot)


def _asset_import(raw: bytes) -> AssetImport:
    """The JSON body, or the app's 400 for a validation error when it is not valid JSON or not an AssetImport."""
    try:
        return AssetImport.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None


def _store_upload(runtime: Runtime, user: User, upload: UploadFile, file_name: str) -> str:
    with runtime.db.session() as session:
        record = issue_key(session, user, file_name, ttl_seconds=runtime.settings.presign_ttl_seconds)
    runtime.storage.put(record.key, upload.file, max_bytes=runtime.settings.max_upload_bytes)
    return record.key


def _queue_asset_job(
    runtime: Runtime, user: User, client_id: int, source: str, key: str, file_name: str
) -> tuple[str, ImportJobObject]:
    with runtime.db.session() as session:
        job = service.create_asset_job(
            session, runtime.storage, user, client_id=client_id, source=source, key=key, file_name=file_name
        )
        return job.id, views.job_object(job)
