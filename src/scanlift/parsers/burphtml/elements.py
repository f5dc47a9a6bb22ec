"""Reading Burp's HTML report elements: classes, text, inner HTML, messages."""

from __future__ import annotations

import html
import re

from lxml import etree

from scanlift.parsers._lib import text as _text

SOURCE = "burphtml"


SNIP = "\n[Snip]\n"


# --- element helpers --------------------------------------------------------------------------


def classes_of(element: etree._Element) -> set[str]:
    return set((element.get("class") or "").split())


def words(text: str | None) -> str:
    return " ".join((text or "").split())


def content_of(element: etree._Element) -> str:
    return words("".join(text for text in element.itertext() if isinstance(text, str)))


def is_inside(element: etree._Element, classes: frozenset[str]) -> bool:
    parent = element.getparent()
    while parent is not None:
        if classes_of(parent) & classes:
            return True
        parent = parent.getparent()
    return False


def inner_html(element: etree._Element) -> str:
    parts = [html.escape(element.text or "", quote=False)]
    parts += [etree.tostring(child, encoding="unicode", method="html", with_tail=True) for child in element]
    return "".join(parts)


def block_text(element: etree._Element | None) -> str:
    """Readable text of an HTML block: HTML whitespace collapsed, block tags as line breaks."""
    if element is None:
        return ""
    text = _text.html_to_text(re.sub(r"\s+", " ", inner_html(element)))
    return _text.clean("\n".join(line.strip() for line in text.split("\n")))


def raw_text(element: etree._Element) -> str:
    """Verbatim text of a request/response block: ``<br>`` is a line break, a snip marker kept."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == "br":
            parts.append("\n")
        elif "snip" in classes_of(child):
            parts.append(SNIP)
        else:
            parts.append(raw_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def message_text(element: etree._Element | None) -> str:
    """A request or response as text; the indentation a pretty-printer added is removed."""
    if element is None:
        return ""
    lines = raw_text(element).replace("\r\n", "\n").split("\n")
    rest = [line for line in lines[1:] if line.strip() and line.strip() != SNIP.strip()]
    indent = min((len(line) - len(line.lstrip(" ")) for line in rest), default=0)
    if indent:
        lines = [
            lines[0],
            *(line[indent:] if not line[:indent].strip() else line.lstrip() for line in lines[1:]),
        ]
    return _text.clean("\n".join(lines))


def section_name(heading: str) -> str:
    return words(heading).rstrip(":").strip()
