"""Step 1 (presigned URL) and, for the embedded store, step 2 (the signed PUT)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from scanlift.deps import CurrentUser, RuntimeDep, SessionDep
from scanlift.errors import Forbidden, NotFound, PayloadTooLarge
from scanlift.uploads import signing
from scanlift.uploads.service import issue_key
from scanlift.uploads.storage.local import LocalObjectStore

router = APIRouter(tags=["uploads"])


class PresignRequest(BaseModel):
    name: str = Field(min_length=1, max_length=1000)


class PresignResponse(BaseModel):
    status: str = "success"
    key: str
    url: str


@router.post("/api/v2/presigned-url", response_model=PresignResponse)
def presigned_url(body: PresignRequest, user: CurrentUser, session: SessionDep, runtime: RuntimeDep) -> PresignResponse:
    """Reserve an object key for the caller and return a URL that accepts one PUT of the file."""
    ttl = runtime.settings.presign_ttl_seconds
    record = issue_key(session, user, body.name, ttl_seconds=ttl)
    session.commit()
    return PresignResponse(key=record.key, url=runtime.storage.presign_put(record.key, expires_in=ttl))


@router.put("/cloud/uploads/{key:path}", include_in_schema=False)
async def upload(key: str, request: Request, runtime: RuntimeDep) -> Response:
    """The embedded store's presigned PUT: streams the body to disk, checks size and signature."""
    store = runtime.storage
    if not isinstance(store, LocalObjectStore):
        raise NotFound("uploads go directly to the configured object store")
    refusal = store.verify_put(
        key,
        request.query_params.get(signing.EXPIRES_PARAM),
        request.query_params.get(signing.SIGNATURE_PARAM),
    )
    if refusal:
        raise Forbidden(refusal)
    limit = runtime.settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the upload declares {declared} bytes; the limit is {limit}")
    info = await store.receive(key, request.stream(), max_bytes=limit)
    headers: dict[str, Any] = {"ETag": f'"{info.etag}"'}
    return Response(status_code=200, headers=headers)
