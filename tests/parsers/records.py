"""Helpers for parser tests: run a parser over a file and split what it yields."""

from __future__ import annotations

import gc
import io
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from scanlift.parsers._lib.replay import Readable
from scanlift.parsers._lib.sniff import HEAD_BYTES
from scanlift.parsers.base import Parser, ScanAsset, ScanFinding, ScanRecord, Sniff
from scanlift.parsers.runner import parse_stream


def run_parser(parser: Parser, stream: Readable) -> Iterator[ScanRecord]:
    """The records of ``stream`` as an import with ``parser``'s source reads them: through the runner."""
    return parse_stream(stream, source=parser.source, parser=parser)


def parse_file(parser: Parser, path: Path) -> list[ScanRecord]:
    with path.open("rb") as stream:
        return list(run_parser(parser, stream))


def sniffs(parser: Parser, path: Path) -> bool:
    """Whether the parser claims the file from its head and name, as detection would ask it."""
    return parser.sniff(Sniff(head=path.read_bytes()[:HEAD_BYTES], filename=path.name))


def peak_parse_memory(parser: Parser, path: Path) -> tuple[int, int]:
    """Records parsed, and the peak traced memory while parsing, with every record dropped as it comes."""
    count = 0
    gc.collect()  # start every run with CPython's free lists emptied
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            for _ in run_parser(parser, stream):
                count += 1
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def findings_of(records: list[ScanRecord]) -> list[ScanFinding]:
    return [r for r in records if isinstance(r, ScanFinding)]


def assets_of(records: list[ScanRecord]) -> list[ScanAsset]:
    return [r for r in records if isinstance(r, ScanAsset)]


class _Pipe(io.RawIOBase):
    """Readable once, never seekable, at most ``chunk`` bytes per read: like an upload stream."""

    def __init__(self, data: bytes, chunk: int) -> None:
        self._data = io.BytesIO(data)
        self._chunk = chunk

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: Any) -> int:
        part = self._data.read(min(len(buffer), self._chunk))
        buffer[: len(part)] = part
        return len(part)


def unseekable(data: bytes, *, chunk: int = 4096) -> BinaryIO:
    """``data`` as a buffered stream that cannot seek, as uploads reach the parsers."""
    return io.BufferedReader(_Pipe(data, chunk))


class CountingReader(io.RawIOBase):
    """Wraps a stream and counts the bytes a parser has pulled from it."""

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__()
        self._stream = stream
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self.consumed += len(data)
        return data
