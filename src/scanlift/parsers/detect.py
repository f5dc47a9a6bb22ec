"""Auto-detection: every parser looks at the first bytes; exactly one must claim the file."""

from __future__ import annotations

from scanlift.parsers.base import InvalidFile, Parser, Sniff
from scanlift.parsers.registry import PARSERS


def candidates(head: Sniff) -> list[Parser]:
    return [parser for parser in PARSERS.values() if parser.sniff(head)]


def detect(head: Sniff) -> Parser:
    """The one parser that recognises the file; never "first match wins"."""
    found = candidates(head)
    if len(found) == 1:
        return found[0]
    if not found:
        raise InvalidFile("auto", "no parser recognises this file; pass an explicit source")
    names = ", ".join(sorted(p.source for p in found))
    raise InvalidFile("auto", f"the file matches several sources ({names}); pass an explicit source")
