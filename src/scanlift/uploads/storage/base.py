"""The storage contract. Every backend raises FileNotFoundError for a missing key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Protocol

from scanlift.errors import UserError


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    size: int
    etag: str


class ObjectChanged(UserError):
    """The object is no longer the one an import was queued for."""

    def __init__(self, key: str) -> None:
        super().__init__(
            f"the file uploaded for key {key!r} was replaced after the import was queued; "
            "upload it again under a new key and import that"
        )


class ObjectStore(Protocol):
    def presign_put(self, key: str, *, expires_in: int) -> str:
        """A URL that accepts one PUT of the object's bytes for ``key`` until it expires."""
        ...

    def put(self, key: str, stream: BinaryIO, *, max_bytes: int) -> ObjectInfo:
        """Store the object by copying ``stream`` in chunks (for uploads that reach the API)."""
        ...

    def stat(self, key: str) -> ObjectInfo: ...

    def open(self, key: str, *, etag: str | None = None) -> BinaryIO:
        """A reader that streams the object; the caller closes it.

        With ``etag``, the object must still be the one ``stat`` saw with that ETag, else
        ``ObjectChanged``: the check and the read are one request, so nothing can slip between.
        """
        ...

    def delete(self, key: str) -> None:
        """Remove the object; a missing key is not an error."""
        ...

    def check(self) -> None:
        """Raise if the store cannot be used right now (for readiness checks)."""
        ...
