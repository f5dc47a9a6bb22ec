"""Put back bytes already read from a stream (used by the NodeZero and Nodeware parsers).

A parser that must look at the start of a non-seekable stream before choosing how to read it
(the CSV header line, the first JSON byte) reads those bytes, checks them, then hands the shared
streaming helpers a stream that yields the same bytes again followed by the rest.
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO, Protocol


class Readable(Protocol):
    """Anything with ``read``: a file, an object-store body, a counting wrapper."""

    def read(self, size: int = -1, /) -> bytes: ...


class _Replay(io.RawIOBase):
    def __init__(self, head: bytes, rest: Readable) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            size = min(len(view), len(self._head))
            view[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._rest.read(len(view))
        view[: len(data)] = data
        return len(data)


def replay(head: bytes, rest: Readable) -> BinaryIO:
    """A stream that reads ``head`` and then whatever is left in ``rest``."""
    return io.BufferedReader(_Replay(head, rest), buffer_size=64 * 1024)


def read_head(stream: Readable, size: int = 64 * 1024) -> bytes:
    parts: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = stream.read(remaining)
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)
