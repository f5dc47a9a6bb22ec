"""Text from AppScan's markup: rich text, links, bullet lists, CWE links."""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.xml import local_name

# ---------------------------------------------------------------------------------------------
# Small XML helpers


def clean(text: str | None) -> str:
    return (text or "").strip()


def child_text(element: etree._Element, tag: str) -> str:
    child = element.find(tag)
    return _text.clean(child.text) if child is not None else ""


def raw_text(element: etree._Element | None) -> str:
    """An element's text verbatim except for surrounding blank lines (HTTP traffic, responses)."""
    if element is None or not element.text:
        return ""
    return element.text.strip("\r\n")


def link_targets(element: etree._Element | None) -> list[str]:
    if element is None:
        return []
    return [link.get("target") or clean(link.text) for link in element.iter("link")]


def cwes_of_links(element: etree._Element | None) -> tuple[int, ...]:
    if element is None:
        return ()
    found = (_ids.parse_cwe(link.get("id") or link.text) for link in element.iter("link"))
    return tuple(dict.fromkeys(c for c in found if c is not None))


def rich_text(element: etree._Element | None) -> str:
    """AppScan's mixed-content text blocks (<text>, <code>, <link>, <br/>, nested lists) as plain text."""
    if element is None:
        return ""
    lines: list[str] = []
    collect(element, lines)
    return _text.clean("\n".join(lines))


def collect(element: etree._Element, lines: list[str]) -> None:
    children = [c for c in element if isinstance(c.tag, str)]
    if not children:
        if element.text and element.text.strip():
            lines.append(element.text.rstrip())
        return
    if element.text and element.text.strip():
        lines.append(element.text.strip())
    for child in children:
        tag = local_name(str(child.tag))
        if tag == "br":
            lines.append("")
        elif tag == "link":
            text, target = clean(child.text), child.get("target") or ""
            lines.append(text if not target or target == text else f"{text} ({target})")
        elif tag == "item" and not len(child):
            lines.append(f"- {clean(child.text)}")
        else:
            collect(child, lines)


def bullets(heading: str, items: Iterable[str]) -> str:
    values = _ids.unique(items)
    if not values:
        return ""
    return heading + "\n" + "\n".join(f"- {v}" for v in values)
