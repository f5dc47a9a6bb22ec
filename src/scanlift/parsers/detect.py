"""Auto-detection: every parser looks at the first bytes; exactly one must claim the file.

Never "first match wins": no match, or several, is an error that lists what was considered.
"""

from __future__ import annotations

from scanlift.errors import UserError
from scanlift.parsers._lib.sniff import xml_root
from scanlift.parsers.base import Parser, Sniff
from scanlift.parsers.registry import PARSERS


class UndetectedFormat(UserError):
    """The file's source could not be determined from its content."""


def candidates(head: Sniff) -> list[Parser]:
    return [parser for parser in PARSERS.values() if parser.sniff(head)]


def detect(head: Sniff) -> Parser:
    """The one parser that recognises the file."""
    found = candidates(head)
    if len(found) == 1:
        return found[0]
    if not found:
        raise UndetectedFormat(
            f"could not detect the file's source: no parser recognises {_describe(head.head)}; "
            f"pass one of: {', '.join(sorted(PARSERS))}"
        )
    names = ", ".join(sorted(p.source for p in found))
    raise UndetectedFormat(f"could not detect the file's source: it matches several ({names}); pass one of them")


def looks_like(head: Sniff, *, other_than: str) -> Parser | None:
    """The one other parser that confidently claims the file, to name in a wrong-source error."""
    found = [p for p in candidates(head) if p.source != other_than]
    return found[0] if len(found) == 1 else None


def _describe(head: bytes) -> str:
    root = xml_root(head)
    if root is not None:
        return f"an XML document with root <{root.name}>"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()[:1]
    if text in (b"{", b"["):
        return "this JSON document"
    return "this file"
