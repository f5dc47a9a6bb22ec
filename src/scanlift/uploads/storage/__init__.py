"""Object storage behind one interface: the embedded local store (``file://``) or S3 (``s3://``)."""

from __future__ import annotations

from urllib.parse import urlparse

from scanlift.config import Settings
from scanlift.uploads.storage.base import ObjectChanged, ObjectInfo, ObjectStore
from scanlift.uploads.storage.local import LocalObjectStore

__all__ = ["ObjectChanged", "ObjectInfo", "ObjectStore", "open_store"]


def open_store(settings: Settings) -> ObjectStore:
    url = urlparse(settings.resolved_storage_url)
    if url.scheme == "file":
        return LocalObjectStore(
            root=url.path,
            public_url=settings.resolved_public_url,
            secret=settings.resolved_secret_key(),
        )
    if url.scheme == "s3":
        from scanlift.uploads.storage.s3 import S3ObjectStore  # boto3 loads only when S3 is configured

        secret = settings.s3_secret_access_key
        return S3ObjectStore(
            bucket=url.netloc,
            prefix=url.path,
            endpoint_url=settings.s3_endpoint_url,
            public_endpoint_url=settings.s3_public_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=secret.get_secret_value() if secret is not None else None,
            create_bucket=settings.s3_create_bucket,
            addressing_style=settings.s3_addressing_style,
        )
    raise ValueError(f"unsupported SCANLIFT_STORAGE_URL scheme {url.scheme!r}; use file:// or s3://bucket/prefix")
