"""Step 1 (presigned URL) and, for the embedded store, step 2 (the signed PUT)."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request, Response

from scanlift.deps import Importer, RuntimeDep, SessionDep
from scanlift.errors import Forbidden, NotFound, PayloadTooLarge
from scanlift.schemas import AUTHORIZED, error_responses
from scanlift.uploads import service, signing
from scanlift.uploads.schemas import RAW_UPLOAD_BODY, STORED_RESPONSE, PresignRequest, PresignResponse
from scanlift.uploads.storage.local import LocalObjectStore

router = APIRouter(tags=["uploads"])


@router.post("/api/v2/presigned-url", response_model=PresignResponse, responses=error_responses(400, *AUTHORIZED))
def presigned_url(body: PresignRequest, user: Importer, session: SessionDep, runtime: RuntimeDep) -> PresignResponse:
    """Reserve an object key for the caller and return a URL that accepts one PUT of the file."""
    ttl = runtime.settings.presign_ttl_seconds
    record = service.issue_key(session, user, body.name, ttl_seconds=ttl)
    session.commit()
    return PresignResponse(key=record.key, url=runtime.storage.presign_put(record.key, expires_in=ttl))


@router.put(
    "/cloud/uploads/{key:path}",
    response_class=Response,
    responses={200: STORED_RESPONSE, **error_responses(400, 403, 404, 413, 503)},
    openapi_extra=RAW_UPLOAD_BODY,
)
async def upload(
    key: str,
    request: Request,
    runtime: RuntimeDep,
    expires: Annotated[str, Query(alias=signing.EXPIRES_PARAM, description="Set by /api/v2/presigned-url.")] = "",
    signature: Annotated[str, Query(alias=signing.SIGNATURE_PARAM, description="Set by /api/v2/presigned-url.")] = "",
) -> Response:
    """The embedded store's presigned PUT (step 2): streams the body to disk, checks size and signature.

    Call it with the URL from /api/v2/presigned-url as it is; it needs no Authorization header.
    """
    store = runtime.storage
    if not isinstance(store, LocalObjectStore):
        raise NotFound("uploads go directly to the configured object store")
    refusal = store.verify_put(key, expires, signature)
    if refusal:
        raise Forbidden(refusal)
    if await anyio.to_thread.run_sync(service.was_imported, runtime.db, key):
        raise Forbidden("this upload was imported already; its file can no longer be replaced")
    limit = runtime.settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the upload declares {declared} bytes; the limit is {limit}")
    info = await store.receive(key, request.stream(), max_bytes=limit)
    headers: dict[str, Any] = {"ETag": f'"{info.etag}"'}
    return Response(status_code=200, headers=headers)
