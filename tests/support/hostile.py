"""Hostile documents, generated as streams so that a 100 MB value never sits in the test's memory."""

from __future__ import annotations

import io
from typing import Any


class Synthetic(io.RawIOBase):
    """``prefix``, then ``filler`` repeated ``count`` times, then ``suffix``, read as a stream."""

    def __init__(self, prefix: bytes, filler: bytes, count: int, suffix: bytes) -> None:
        self._parts = [prefix]
        self._filler = filler
        self._remaining = count
        self._suffix: bytes | None = suffix

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if not self._parts:
            if self._remaining:
                times = max(1, min(self._remaining, len(view) // max(len(self._filler), 1)))
                self._parts.append(self._filler * times)
                self._remaining -= times
            elif self._suffix is not None:
                self._parts.append(self._suffix)
                self._suffix = None
            else:
                return 0
        part = self._parts.pop(0)
        size = min(len(view), len(part))
        view[:size] = part[:size]
        if size < len(part):
            self._parts.insert(0, part[size:])
        return size


#: name -> (prefix, filler, count, suffix): each far beyond what a real export holds.
JSON_ATTACKS = {
    "10,000-digit number": (b'{"a": ', b"7", 10_000, b"}"),
    "10,000-digit number in an array": (b"[" + b" " * 4090, b"7", 10_000, b"]"),
    "100,000 nested arrays": (b"", b"[", 100_000, b"]" * 100_000),
    "100,000 nested objects": (b"", b'{"a":', 100_000, b"1" + b"}" * 100_000),
    "100 MB string value": (b'{"a": "', b"x" * 65536, 1600, b'"}'),
}


def attack_stream(name: str) -> io.BufferedReader:
    return io.BufferedReader(Synthetic(*JSON_ATTACKS[name]), buffer_size=65536)
