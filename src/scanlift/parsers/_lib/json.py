"""Streaming JSON for every JSON parser (ijson, C backend), plus cheap top-level key sniffing."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import Any, BinaryIO

import ijson

from scanlift.parsers.base import InvalidFile


class _BomSkipper:
    """Drop a leading UTF-8 BOM, which some exporters (Invicti) write and ijson rejects."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._checked = False

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        if not self._checked and data:  # ijson starts with read(0); wait for real bytes
            self._checked = True
            if data.startswith(codecs.BOM_UTF8):
                data = data[len(codecs.BOM_UTF8) :]
        return data


def iter_items(stream: BinaryIO, prefix: str, *, source: str) -> Iterator[Any]:
    """Yield each value at ijson ``prefix`` (e.g. ``"vulnerabilities.item"``) as a Python object.

    Numbers that are not integers come back as ``decimal.Decimal``. Malformed JSON ends with
    ``InvalidFile``.
    """
    try:
        yield from ijson.items(_BomSkipper(stream), prefix, use_float=True)
    except ijson.common.IncompleteJSONError as exc:
        raise InvalidFile(source, f"truncated or malformed JSON ({_first_line(exc)})") from None
    except ijson.common.JSONError as exc:
        raise InvalidFile(source, f"malformed JSON ({_first_line(exc)})") from None


def iter_kvitems(stream: BinaryIO, prefix: str, *, source: str) -> Iterator[tuple[str, Any]]:
    """Yield (key, value) for each member of the object at ``prefix`` (``""`` is the top level)."""
    try:
        yield from ijson.kvitems(_BomSkipper(stream), prefix, use_float=True)
    except ijson.common.IncompleteJSONError as exc:
        raise InvalidFile(source, f"truncated or malformed JSON ({_first_line(exc)})") from None
    except ijson.common.JSONError as exc:
        raise InvalidFile(source, f"malformed JSON ({_first_line(exc)})") from None


def top_level_keys(head: bytes) -> set[str] | None:
    """Keys of the top-level JSON object seen in the first bytes; None if it is not a JSON object.

    The head may be cut mid-document, so parsing stops at the first incomplete event.
    """
    data = head.lstrip(codecs.BOM_UTF8).lstrip()
    if not data.startswith(b"{"):
        return None
    keys: set[str] = set()
    try:
        for prefix, event, value in ijson.parse(data):
            if prefix == "" and event == "map_key":
                keys.add(str(value))
    except ijson.common.JSONError:
        pass
    return keys


def top_level_is_array(head: bytes) -> bool:
    return head.lstrip(codecs.BOM_UTF8).lstrip().startswith(b"[")


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
