"""Streaming CSV for every CSV parser: BOM, CRLF, delimiter sniffing and huge cells handled once."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from typing import BinaryIO

from scanlift.limits import file_limits
from scanlift.parsers.base import InvalidFile

#: The longest line (and so the longest cell) read. Scanner CSVs carry whole plugin outputs in one
#: cell, so the stdlib's 128 KiB is too small; a line of hundreds of megabytes is an attack.
MAX_LINE_CHARS = file_limits().csv_max_line_bytes
csv.field_size_limit(MAX_LINE_CHARS)

_DELIMITERS = (",", ";", "\t", "|")


def header_of(head: bytes) -> list[str] | None:
    """The header row from a file's first bytes, or None if they do not look like CSV."""
    text = head.decode("utf-8-sig", errors="replace")
    first_line = text.splitlines()[0] if text else ""
    if not first_line or first_line.lstrip().startswith(("<", "{", "[")):
        return None
    delimiter = sniff_delimiter(first_line)
    try:
        row = next(csv.reader([first_line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return None
    cells = [c.strip() for c in row]
    return cells if len(cells) >= 2 and all(cells[:2]) else None


def sniff_delimiter(first_line: str) -> str:
    """The delimiter that splits the header into the most cells (Tenable.io uses ';')."""
    return max(_DELIMITERS, key=lambda d: (first_line.count(d), d == ","))


#: A header row longer than this is no header: it is refused before it is held in memory.
MAX_HEADER_BYTES = file_limits().csv_max_header_bytes


def iter_rows(
    stream: BinaryIO, *, source: str, encoding: str = "utf-8", header_line: bytes | None = None
) -> Iterator[dict[str, str]]:
    """Yield each data row as {header: value}, reading the stream once.

    Header names are stripped; missing cells become "". A file that is not UTF-8 text, or has
    no header row, ends with ``InvalidFile``. ``header_line`` is the header row when the caller
    has already read it from ``stream`` (to check or rewrite it), which then starts at the first
    data row; it is read exactly as the stream's own first line would be, so nothing is replayed.
    """
    text = io.TextIOWrapper(stream, encoding=encoding, errors="strict", newline="")
    try:
        first = text.readline(MAX_HEADER_BYTES) if header_line is None else header_line.decode(encoding)
        if len(first) >= MAX_HEADER_BYTES and not first.endswith("\n"):
            raise InvalidFile(source, f"the header row is longer than {MAX_HEADER_BYTES} characters")
        if first.startswith("\ufeff"):
            first = first[1:]
        if not first.strip():
            raise InvalidFile(source, "the CSV file has no header row")
        delimiter = sniff_delimiter(first.splitlines()[0])
        header = [h.strip() for h in next(csv.reader([first], delimiter=delimiter))]
        for line_no, row in enumerate(csv.reader(_bounded_lines(text, source), delimiter=delimiter), start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
                raise InvalidFile(source, f"row {line_no} has {len(row)} cells but the header has {len(header)}")
            yield {name: (row[i] if i < len(row) else "") for i, name in enumerate(header) if name}
    except UnicodeDecodeError as exc:
        raise InvalidFile(source, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise InvalidFile(source, f"malformed CSV ({exc})") from None
    finally:
        text.detach()


def _bounded_lines(text: io.TextIOWrapper, source: str) -> Iterator[str]:
    """The text's lines, each read with a bound: a single line of hundreds of megabytes is refused
    before it is held in memory (a quoted cell may still span several lines, each bounded)."""
    while line := text.readline(MAX_LINE_CHARS):
        if len(line) >= MAX_LINE_CHARS and not line.endswith("\n"):
            raise InvalidFile(source, f"a line is longer than {MAX_LINE_CHARS} characters")
        yield line


def strip_bom(head: bytes) -> bytes:
    return head[len(codecs.BOM_UTF8) :] if head.startswith(codecs.BOM_UTF8) else head
