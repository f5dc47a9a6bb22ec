"""The one way to run a parser over a file: used by the import pipeline, the CLI and the tests.

It reads the file's head once, refuses empty and binary files, picks the parser (detecting the
format when the source is ``auto``), and hands the parser the head with a stream that replays
it. When a parser rejects the file, the error names the source the file looks like instead.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanlift.parsers._lib.replay import Readable, read_head, replay
from scanlift.parsers._lib.sniff import looks_binary
from scanlift.parsers.base import InvalidFile, Parser, ScanRecord, Sniff, Upload
from scanlift.parsers.bounds import bounded
from scanlift.parsers.detect import detect, looks_like
from scanlift.parsers.registry import AUTO, parser_for


def open_upload(stream: Readable, *, source: str, filename: str = "") -> Upload:
    """Read the head, refuse an empty or binary file (naming ``source``), and replay the head."""
    head = read_head(stream)
    if not head.strip():
        raise InvalidFile(source, "the file is empty")
    if looks_binary(head):
        raise InvalidFile(source, "the file holds binary data, not a text export")
    return Upload(Sniff(head, filename), replay(head, stream))


def choose_parser(source: str, head: Sniff) -> Parser:
    """The parser for ``source``, or the one that recognises the head when ``source`` is auto."""
    return detect(head) if source == AUTO else parser_for(source)


def parse_stream(
    stream: Readable, *, source: str, filename: str = "", parser: Parser | None = None
) -> Iterator[ScanRecord]:
    """Every record of the file, read once front to back.

    The head is read and checked, and the parser chosen, before this returns, so those errors
    come at once; the records come as the caller pulls them. ``source`` is what the user asked
    for (a source id or ``auto``); ``parser`` overrides the choice, for imports whose source id
    names a parser of another id (asset imports).
    """
    upload = open_upload(stream, source=source, filename=filename)
    chosen = parser or choose_parser(source, upload.head)
    return bounded(_hinted(chosen.parse(upload), upload.head), chosen.source)


def _hinted(records: Iterator[ScanRecord], head: Sniff) -> Iterator[ScanRecord]:
    try:
        yield from records
    except InvalidFile as exc:
        raise _with_hint(exc, head) from None


def _with_hint(error: InvalidFile, head: Sniff) -> InvalidFile:
    """Name the source the file looks like, when another parser confidently claims it."""
    other = looks_like(head, other_than=error.source)
    if other is None:
        return error
    return InvalidFile(
        error.source, f"{error.problem}; the file looks like a {other.label} export (source '{other.source}')"
    )
