"""Checks on a file's first bytes that apply to every format, before any parser sees it."""

from __future__ import annotations

from typing import BinaryIO

from scanlift.parsers._lib.replay import Readable, read_head, replay
from scanlift.parsers._lib.sniff import looks_binary
from scanlift.parsers.base import InvalidFile


def check_head(stream: Readable, *, source: str) -> tuple[bytes, BinaryIO]:
    """Refuse empty and binary files with a clear cause; otherwise return the first bytes and
    a stream that reads the whole file from its start."""
    head = read_head(stream)
    if not head.strip():
        raise InvalidFile(source, "the file is empty")
    if looks_binary(head):
        raise InvalidFile(source, "the file holds binary data, not a text export")
    return head, replay(head, stream)
