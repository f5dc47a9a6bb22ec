"""Issuing upload keys and checking them when an import is triggered."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from scanlift.auth.models import User
from scanlift.db.base import utcnow
from scanlift.errors import BadRequest, Forbidden, NotFound
from scanlift.uploads.keys import new_key
from scanlift.uploads.models import UploadKey
from scanlift.uploads.storage import ObjectInfo, ObjectStore


def issue_key(session: Session, user: User, file_name: str, *, ttl_seconds: int) -> UploadKey:
    record = UploadKey(
        key=new_key(file_name),
        tenant_id=user.tenant_id,
        user_id=user.id,
        file_name=file_name[:300],
        expires_at=utcnow() + timedelta(seconds=ttl_seconds),
    )
    session.add(record)
    session.flush()
    return record


def uploaded_object(session: Session, store: ObjectStore, user: User, key: str) -> tuple[UploadKey, ObjectInfo]:
    """The key's record and its stored object, if the caller's tenant was issued the key."""
    record = session.get(UploadKey, key)
    if record is None:
        raise NotFound(f"key {key!r} was not issued by /api/v2/presigned-url")
    if record.tenant_id != user.tenant_id:
        raise Forbidden(f"key {key!r} belongs to another tenant")
    try:
        info = store.stat(key)
    except FileNotFoundError:
        raise BadRequest(
            f"nothing has been uploaded for key {key!r}; PUT the file to the presigned URL first"
        ) from None
    return record, info
