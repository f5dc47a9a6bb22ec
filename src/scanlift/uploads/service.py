"""Issuing upload keys and checking them when an import is triggered."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scanlift.auth.models import User
from scanlift.db.base import utcnow
from scanlift.db.engine import Database
from scanlift.db.upsert import rows_affected
from scanlift.errors import BadRequest, Conflict, Forbidden, NotFound
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
    """The key's record and its stored object, taken for one import: the key must have been issued
    to the caller, still be within its lifetime, and not have been imported before. Taking it is
    atomic, so two imports racing for one key cannot both win; it commits with the caller's job."""
    record = session.get(UploadKey, key)
    if record is None:
        raise NotFound(f"key {key!r} was not issued by /api/v2/presigned-url")
    if record.tenant_id != user.tenant_id:
        raise Forbidden(f"key {key!r} belongs to another tenant")
    if record.user_id != user.id:
        raise Forbidden(f"key {key!r} was issued to another user")
    now = utcnow()
    if record.expires_at <= now:
        raise BadRequest(f"key {key!r} expired; ask /api/v2/presigned-url for a new one")
    take = update(UploadKey).where(UploadKey.key == key, UploadKey.used_at.is_(None)).values(used_at=now)
    if rows_affected(session, take) != 1:
        raise Conflict(f"key {key!r} was already imported; upload the file again for another import")
    try:
        info = store.stat(key)
    except FileNotFoundError:
        raise BadRequest(
            f"nothing has been uploaded for key {key!r}; PUT the file to the presigned URL first"
        ) from None
    return record, info


def was_imported(db: Database, key: str) -> bool:
    """Whether an import took ``key``: its object is immutable from then on."""
    with db.session() as session:
        return session.scalar(select(UploadKey.used_at).where(UploadKey.key == key)) is not None
