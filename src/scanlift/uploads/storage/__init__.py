"""Object storage behind one interface: the embedded local store, or S3 (a later backend)."""

from __future__ import annotations

from urllib.parse import urlparse

from scanlift.config import Settings
from scanlift.uploads.storage.base import ObjectInfo, ObjectStore
from scanlift.uploads.storage.local import LocalObjectStore

__all__ = ["ObjectInfo", "ObjectStore", "open_store"]


def open_store(settings: Settings) -> ObjectStore:
    url = urlparse(settings.resolved_storage_url)
    if url.scheme == "file":
        return LocalObjectStore(
            root=url.path,
            public_url=settings.resolved_public_url,
            secret=settings.resolved_secret_key(),
        )
    raise ValueError(f"unsupported SCANLIFT_STORAGE_URL scheme {url.scheme!r}; use file://")
