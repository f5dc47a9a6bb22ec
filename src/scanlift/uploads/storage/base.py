"""The storage contract. Every backend raises FileNotFoundError for a missing key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Protocol


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    size: int
    etag: str


class ObjectStore(Protocol):
    def presign_put(self, key: str, *, expires_in: int) -> str:
        """A URL that accepts one PUT of the object's bytes for ``key`` until it expires."""
        ...

    def put(self, key: str, stream: BinaryIO, *, max_bytes: int) -> ObjectInfo:
        """Store the object by copying ``stream`` in chunks (for uploads that reach the API)."""
        ...

    def stat(self, key: str) -> ObjectInfo: ...

    def open(self, key: str) -> BinaryIO:
        """A reader that streams the object; the caller closes it."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; a missing key is not an error."""
        ...

    def check(self) -> None:
        """Raise if the store cannot be used right now (for readiness checks)."""
        ...
