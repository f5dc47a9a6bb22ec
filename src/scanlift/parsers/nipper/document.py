"""Nipper's generic document (parts, sections, text, lists, tables, infoboxes) read into small
plain records while it streams past, so a section's content outlives the freed elements."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.xml import local_name
from scanlift.parsers.base import Score


@dataclass(frozen=True, slots=True)
class Device:
    name: str
    type: str = ""
    os: str = ""
    osversion: str = ""


@dataclass(frozen=True, slots=True)
class Block:
    """One rendered content element: a paragraph, list, table, code block…"""

    kind: str  # "text", "list", "table", "other"
    text: str
    title: str = ""
    links: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Details:
    """``issuedetails``: the devices and the ratings of a Security Audit issue."""

    devices: tuple[Device, ...]
    rating: str
    ratings: tuple[tuple[str, str], ...]  # (label, value) extra ratings kept as fields
    scores: tuple[Score, ...]


@dataclass(frozen=True, slots=True)
class InfoBox:
    title: str
    data: tuple[tuple[str, str], ...]


@dataclass(slots=True)
class Sub:
    """A finished sub-section with everything under it, flattened in document order."""

    ref: str
    title: str
    blocks: list[Block] = field(default_factory=list)


Item = Block | Details | InfoBox | Sub


def own_items(section: etree._Element, before: etree._Element | None = None) -> list[Item]:
    """The section's direct non-section children (only those before ``before`` if given)."""
    items: list[Item] = []
    for child in section.iterchildren():
        if before is not None and child is before:
            break
        if not isinstance(child.tag, str):
            continue
        name = local_name(child.tag)
        if name == "section":
            continue
        if name == "issuedetails":
            items.append(_details(child))
        elif name == "infobox":
            items.append(
                InfoBox(
                    title=child.get("title") or "",
                    data=tuple((d.get("label") or "", _inline(d)) for d in child.iterchildren() if _is(d, "infodata")),
                )
            )
        else:
            block = _block(child)
            if block is not None:
                items.append(block)
    return items


def flatten(section: etree._Element, items: list[Item]) -> Sub:
    sub = Sub(ref=section.get("ref") or "", title=section.get("title") or "")
    for item in items:
        if isinstance(item, Block):
            sub.blocks.append(item)
        elif isinstance(item, Sub):
            heading = Block(kind="text", text=item.title) if item.title else None
            sub.blocks.extend([heading, *item.blocks] if heading else item.blocks)
    return sub


def _is(element: etree._Element, name: str) -> bool:
    return isinstance(element.tag, str) and local_name(element.tag) == name


def _inline(element: etree._Element) -> str:
    return _text.clean("".join(_pieces(element)))


def _pieces(element: etree._Element) -> Iterator[str]:
    """Text of an element and its inline children; a ``<code>`` block goes on its own lines."""
    block = _is(element, "code")
    if block:
        yield "\n"
    yield element.text or ""
    for child in element.iterchildren():
        if isinstance(child.tag, str):
            yield from _pieces(child)
        yield child.tail or ""
    if block:
        yield "\n"


def _links(element: etree._Element) -> tuple[str, ...]:
    return _ids.unique(_inline(link) for link in element.iter() if _is(link, "weblink"))


def _block(element: etree._Element) -> Block | None:
    name = local_name(str(element.tag))
    if name == "list":
        items = [_inline(item) for item in element.iterchildren() if _is(item, "listitem")]
        text = "\n".join(f"- {item}" for item in items if item)
        return Block(kind="list", text=text, links=_links(element)) if text else None
    if name == "table":
        title = element.get("title") or ""
        text = _render_table(element)
        return Block(kind="table", text=text, title=title) if text else None
    text = _inline(element)
    if not text:
        return None
    title = element.get("title") or ""
    if title and name == "text":
        text = f"{title}: {text}"
    return Block(kind="text" if name == "text" else "other", text=text, links=_links(element))


def _render_table(table: etree._Element) -> str:
    lines = []
    headings = [_inline(h) for h in table.iter() if _is(h, "heading")]
    if headings:
        lines.append(" | ".join(headings))
    for row in table.iter():
        if not _is(row, "tablerow"):
            continue
        cells = []
        for cell in row.iterchildren():
            if _is(cell, "tablecell"):
                items = [_inline(item) for item in cell.iterchildren() if _is(item, "item")]
                cells.append(", ".join(i for i in items if i) if items else _inline(cell))
        lines.append(" | ".join(cells))
    return "\n".join(lines)


def information_devices(information: etree._Element) -> list[Device]:
    return [_device(d) for d in information.iter() if _is(d, "device") and d.get("name")]


def _device(element: etree._Element) -> Device:
    return Device(
        name=(element.get("name") or "").strip(),
        type=element.get("type") or "",
        os=element.get("os") or "",
        osversion=element.get("osversion") or "",
    )


def _details(issuedetails: etree._Element) -> Details:
    devices = tuple(_device(d) for d in issuedetails.iter() if _is(d, "device") and d.get("name"))
    rating = ""
    extra: list[tuple[str, str]] = []
    scores: list[Score] = []
    for ratings in issuedetails.iter():
        if not _is(ratings, "ratings"):
            continue
        for child in ratings.iterchildren():
            if not isinstance(child.tag, str):
                continue
            name = local_name(child.tag)
            value = _inline(child)
            if name == "rating":
                rating = rating or value
            elif name == "cvssv2-base":
                scores.append(Score(kind="CVSS2", vector=value, score=child.get("score") or ""))
            elif name in ("cvssv2-temporal", "cvssv2-environmental"):
                label = "CVSSv2 Temporal" if name == "cvssv2-temporal" else "CVSSv2 Environmental"
                score = child.get("score") or ""
                extra.append((label, f"{score} ({value})" if score and value else score or value))
            elif name == "FindingID":
                extra.append(("Nipper Finding ID", value))
            elif value:
                extra.append((f"Nipper {name}".title(), value))
    return Details(devices=devices, rating=rating, ratings=tuple(extra), scores=tuple(scores))
