"""Nexpose's block markup (paragraphs, lists, links) as plain text."""

from __future__ import annotations

import textwrap

from lxml import etree

from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.xml import local_name

_LISTS = {"UnorderedList": False, "OrderedList": True}


# --- Nexpose's block markup ----------------------------------------------------------------


def markup_text(element: etree._Element) -> str:
    """Plain text of Nexpose's ContainerBlockElement/Paragraph/UnorderedList/URLLink markup.

    Paragraphs are separated by blank lines, list items become "- " or "1. " lines, URL links
    keep their address, and ``preformat="true"`` paragraphs keep their line layout.
    """
    return "\n\n".join(_blocks(element))


def _blocks(element: etree._Element) -> list[str]:
    blocks: list[str] = []
    inline: list[str] = [element.text or ""]

    def flush() -> None:
        text = " ".join("".join(inline).split())
        if text:
            blocks.append(text)
        inline.clear()

    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = local_name(child.tag)
        if name == "URLLink":
            inline.append(f" {link_text(child)} ")
        elif name == "Paragraph" and child.get("preformat") == "true":
            flush()
            text = _text.clean(textwrap.dedent(all_text(child)))
            if text:
                blocks.append(text)
        elif name in _LISTS:
            flush()
            items = _list_text(child, ordered=_LISTS[name])
            if items:
                blocks.append(items)
        else:
            flush()
            blocks.extend(_blocks(child))
        inline.append(child.tail or "")
    flush()
    return blocks


def all_text(element: etree._Element) -> str:
    return "".join(str(t) for t in element.itertext())


def link_text(link: etree._Element) -> str:
    url = (link.get("LinkURL") or "").strip()
    title = " ".join((link.get("LinkTitle") or all_text(link)).split())
    if title and url and title != url:
        return f"{title} ({url})"
    return url or title


def _list_text(element: etree._Element, *, ordered: bool) -> str:
    lines = []
    items = [c for c in element if isinstance(c.tag, str) and local_name(c.tag) == "ListItem"]
    for number, item in enumerate(items, start=1):
        text = "\n".join(_blocks(item))
        if not text:
            continue
        marker = f"{number}. " if ordered else "- "
        lines.append(marker + text.replace("\n", "\n" + " " * len(marker)))
    return "\n".join(lines)


def children_of(parent: etree._Element, container: str, child: str) -> list[etree._Element]:
    return [
        c
        for box in parent
        if isinstance(box.tag, str) and local_name(box.tag) == container
        for c in box
        if isinstance(c.tag, str) and local_name(c.tag) == child
    ]
