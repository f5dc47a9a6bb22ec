"""Checks on a file's first bytes that apply to every format, before any parser sees it."""

from __future__ import annotations

import io
from typing import BinaryIO, Protocol

from scanlift.parsers._sniff import HEAD_BYTES, looks_binary
from scanlift.parsers.base import InvalidFile

_BUFFER = 1024 * 1024


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class _Replay(io.RawIOBase):
    """Raw stream that yields the already-read head first, then the rest of the source."""

    def __init__(self, head: bytes, rest: Readable) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def read_head(stream: Readable, size: int = HEAD_BYTES) -> bytes:
    parts: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = stream.read(remaining)
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)


def replay(head: bytes, rest: Readable) -> BinaryIO:
    """A real buffered binary stream (usable by lxml, ijson and io.TextIOWrapper alike)."""
    return io.BufferedReader(_Replay(head, rest), buffer_size=_BUFFER)


def check_head(stream: Readable, *, source: str) -> BinaryIO:
    """Refuse empty and binary files with a clear cause; otherwise hand the whole stream on."""
    head = read_head(stream)
    if not head.strip():
        raise InvalidFile(source, "the file is empty")
    if looks_binary(head):
        raise InvalidFile(source, "the file holds binary data, not a text export")
    return replay(head, stream)
