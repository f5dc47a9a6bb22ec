"""Streaming JSON for every JSON parser (ijson, C backend), plus cheap top-level key sniffing."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from decimal import Decimal
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


def json_events(stream: BinaryIO, *, source: str, floats: bool = True) -> Iterator[tuple[str, str, Any]]:
    """ijson's ``(prefix, event, value)`` stream over the whole document, for parsers that must see
    more than one ``items`` prefix gives (siblings, parents that come after their children).

    A leading UTF-8 BOM is skipped; malformed JSON ends with ``InvalidFile``. With ``floats``,
    non-integer numbers come back as ``float``; without, as exact ``Decimal`` (and integers
    beyond 64 bits stay exact, where yajl's float mode would overflow).
    """
    try:
        yield from ijson.parse(_BomSkipper(stream), use_float=floats)
    except ijson.common.IncompleteJSONError as exc:
        raise InvalidFile(source, f"truncated or malformed JSON ({_first_line(exc)})") from None
    except ijson.common.JSONError as exc:
        raise InvalidFile(source, f"malformed JSON ({_first_line(exc)})") from None


def build_value(events: Iterator[tuple[str, str, Any]], event: str, value: Any) -> Any:
    """The JSON value that starts with ``(event, value)``, built from the events that follow.

    Hand-built rather than with ``ijson.ObjectBuilder``, whose closures form a reference cycle
    that keeps every built object alive until the cyclic garbage collector runs.
    """
    stack: list[tuple[dict[str, Any] | list[Any], str]] = []
    while True:
        if event == "map_key":
            stack[-1] = (stack[-1][0], str(value))
        elif event in ("end_map", "end_array"):
            finished = stack.pop()[0]
            if not stack:
                return finished
        else:
            item: Any = {} if event == "start_map" else [] if event == "start_array" else value
            if stack:
                container, key = stack[-1]
                if isinstance(container, dict):
                    container[key] = item
                else:
                    container.append(item)
            if event in ("start_map", "start_array"):
                stack.append((item, ""))
            elif not stack:
                return item
        try:
            _prefix, event, value = next(events)
        except StopIteration:
            return None


def value_text(value: Any) -> str:
    """The one rule for a JSON value as text: "" for null, "true"/"false" for booleans, integral
    numbers without a fraction (``5.0`` and ``1E+2`` -> "5", "100"), other numbers and strings as
    they are, and objects and arrays as compact JSON text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return format(value, "f")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def keys_at(head: bytes, prefix: str) -> set[str]:
    """Object keys seen at ijson ``prefix`` in a (possibly cut) JSON head."""
    keys: set[str] = set()
    try:
        for at, event, value in ijson.parse(head.lstrip(codecs.BOM_UTF8)):
            if at == prefix and event == "map_key":
                keys.add(str(value))
    except ijson.common.JSONError:
        pass
    return keys


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
