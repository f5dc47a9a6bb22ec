"""Streaming JSON for every JSON parser (ijson, C backend), plus cheap top-level key sniffing."""

from __future__ import annotations

import codecs
import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, BinaryIO

import ijson

from scanlift.limits import file_limits
from scanlift.parsers.base import InvalidFile

#: Deeper nesting than any scanner export uses; a file nested deeper is refused.
MAX_DEPTH = file_limits().json_max_depth
#: The longest number accepted, in digits. Below Python's int-string limit (4,300), beyond which
#: ijson's C backend crashes the process when it converts an exact integer.
MAX_NUMBER_DIGITS = file_limits().json_max_number_digits
#: The longest stretch of a document without a quote character: it bounds every string value
#: (and any run of whitespace, digits or brackets) without parsing. yajl copies a string that
#: spans reads once per read, so a value's cost grows with its square: 8 MiB costs 2.5 s.
MAX_VALUE_BYTES = file_limits().json_max_value_bytes
#: ijson's C backend turns each read into all of its events before yielding the first, and each
#: event carries its path: a read of deeply nested arrays costs the square of its size (64 KiB of
#: "[" took 10 GB). 4 KiB reads bound that to tens of megabytes, before the depth check stops it.
READ_SIZE = 4096

_DIGITS = b"0123456789"
_LONG_NUMBER = re.compile(rb"[0-9]{%d,}" % MAX_NUMBER_DIGITS)


class _GuardedReader:
    """The document's bytes as ijson reads them: a leading UTF-8 BOM dropped (some exporters write
    one, and ijson rejects it), and refused with ``InvalidFile`` as soon as a number or a value
    goes past its bound, before ijson builds it."""

    def __init__(self, stream: BinaryIO, source: str) -> None:
        self._stream = stream
        self._source = source
        self._started = False
        self._trailing_digits = 0
        self._since_quote = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        if not data:
            return data
        if not self._started:  # ijson starts with read(0); wait for real bytes
            self._started = True
            if data.startswith(codecs.BOM_UTF8):
                data = data[len(codecs.BOM_UTF8) :]
        self._check_numbers(data)
        self._check_values(data)
        return data

    def _check_numbers(self, data: bytes) -> None:
        leading = len(data) - len(data.lstrip(_DIGITS))
        if self._trailing_digits + leading >= MAX_NUMBER_DIGITS or _LONG_NUMBER.search(data):
            raise InvalidFile(self._source, f"a number has more than {MAX_NUMBER_DIGITS} digits")
        stripped = data.rstrip(_DIGITS)
        self._trailing_digits = (self._trailing_digits if not stripped else 0) + len(data) - len(stripped)

    def _check_values(self, data: bytes) -> None:
        last = data.rfind(b'"')
        if last < 0:
            self._since_quote += len(data)
        else:
            self._since_quote = len(data) - last - 1
        if self._since_quote > MAX_VALUE_BYTES or (last >= 0 and data.find(b'"') > MAX_VALUE_BYTES):
            raise InvalidFile(self._source, f"a value is longer than {MAX_VALUE_BYTES} bytes")


def _bounded(events: Iterator[tuple[str, str, Any]], source: str) -> Iterator[tuple[str, str, Any]]:
    """ijson's events, refused once the nesting goes deeper than ``MAX_DEPTH``."""
    depth = 0
    for prefix, event, value in events:
        if event in ("start_map", "start_array"):
            depth += 1
            if depth > MAX_DEPTH:
                raise InvalidFile(source, f"the JSON is nested more than {MAX_DEPTH} levels deep")
        elif event in ("end_map", "end_array"):
            depth -= 1
        yield prefix, event, value


def _events(stream: BinaryIO, source: str, *, floats: bool = True) -> Iterator[tuple[str, str, Any]]:
    reader = _GuardedReader(stream, source)
    return _bounded(ijson.parse(reader, use_float=floats, buf_size=READ_SIZE), source)


def iter_items(stream: BinaryIO, prefix: str, *, source: str) -> Iterator[Any]:
    """Yield each value at ijson ``prefix`` (e.g. ``"vulnerabilities.item"``) as a Python object.

    Numbers that are not integers come back as ``float``. Malformed JSON, and JSON beyond the
    bounds above, ends with ``InvalidFile``.
    """
    with _as_invalid_file(source):
        yield from ijson.items(_events(stream, source), prefix)


def iter_kvitems(stream: BinaryIO, prefix: str, *, source: str) -> Iterator[tuple[str, Any]]:
    """Yield (key, value) for each member of the object at ``prefix`` (``""`` is the top level)."""
    with _as_invalid_file(source):
        yield from ijson.kvitems(_events(stream, source), prefix)


def json_events(stream: BinaryIO, *, source: str, floats: bool = True) -> Iterator[tuple[str, str, Any]]:
    """ijson's ``(prefix, event, value)`` stream over the whole document, for parsers that must see
    more than one ``items`` prefix gives (siblings, parents that come after their children).

    A leading UTF-8 BOM is skipped; malformed JSON, and JSON beyond the bounds above, ends with
    ``InvalidFile``. With ``floats``, non-integer numbers come back as ``float``; without, as
    exact ``Decimal`` (and integers beyond 64 bits stay exact, where yajl's float mode would
    overflow).
    """
    with _as_invalid_file(source):
        yield from _events(stream, source, floats=floats)


@contextmanager
def _as_invalid_file(source: str) -> Iterator[None]:
    try:
        yield
    except ijson.common.IncompleteJSONError as exc:
        raise InvalidFile(source, f"truncated or malformed JSON ({_first_line(exc)})") from None
    except ijson.common.JSONError as exc:
        raise InvalidFile(source, f"malformed JSON ({_first_line(exc)})") from None
    except UnicodeDecodeError as exc:
        raise InvalidFile(source, f"the JSON is not UTF-8 text (byte {exc.object[exc.start]:#04x})") from None


def head_events(head: bytes) -> Iterator[tuple[str, str, Any]]:
    """ijson's events over a (possibly cut) head, for sniffing: they stop quietly where the head
    stops making sense, or goes past a bound."""
    try:
        # Exact numbers: yajl's float mode stops at integers beyond 64 bits, which ids can be.
        yield from _events(io.BytesIO(head), "sniff", floats=False)
    except (ijson.common.JSONError, InvalidFile, UnicodeDecodeError):
        return


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
    """The one rule for a JSON value as text: "" for null, "true"/"false" for booleans, numbers as
    Python writes them (``5.0`` stays "5.0"; an exact ``1E+2`` becomes "100"), strings as they
    are, and objects and arrays as compact JSON text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return format(value, "f")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def keys_at(head: bytes, prefix: str) -> set[str]:
    """Object keys seen at ijson ``prefix`` in a (possibly cut) JSON head."""
    return {str(value) for at, event, value in head_events(head) if at == prefix and event == "map_key"}


def top_level_keys(head: bytes) -> set[str] | None:
    """Keys of the top-level JSON object seen in the first bytes; None if it is not a JSON object.

    The head may be cut mid-document, so parsing stops at the first incomplete event.
    """
    data = head.lstrip(codecs.BOM_UTF8).lstrip()
    if not data.startswith(b"{"):
        return None
    return keys_at(data, "")


def top_level_is_array(head: bytes) -> bool:
    return head.lstrip(codecs.BOM_UTF8).lstrip().startswith(b"[")


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
