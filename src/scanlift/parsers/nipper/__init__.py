"""Titania Nipper Studio XML report.

Mapping (see docs/sources.md (nipper)): Nipper writes a generic "document" (parts, sections, text,
tables), so findings are found by position. Every ``section`` directly under
``part[@ref='SECURITYAUDIT']`` except the summary sections is one finding whose identity is the
section's dotted check id (``@ref``, e.g. ``ROUTING.BGP.FLAP``); every section under
``part[@ref='VULNAUDIT']`` titled ``CVE-…`` is one finding identified by that CVE. Each affected
device (``issuedetails/devices/device``, else the "Affected Device(s)" sub-section) is one
sighting; devices are assets named as Nipper names them. Severity is Nipper's own rating word
(``issuedetails/ratings/rating``, or the ``Overall Rating:`` infobox title of a CVE section),
never derived from the CVSS score, which Nipper itself does not follow. Tables in the "Finding"
sub-section are evidence.

Streaming: only ``information`` and ``section`` elements are taken from ``iter_elements``, and the
table of contents (``contents``/``content``, one entry per section) is freed as it is read. A nested section is
finished (and freed) before its parent, and freeing it also drops the parent's earlier children,
so each finished section is turned into small plain records at once and handed up to its parent
through a per-depth buffer. Memory is bounded by one top-level section.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.sniff import xml_root
from scanlift.parsers._lib.xml import iter_elements, local_name
from scanlift.parsers.base import (
    Evidence,
    InvalidFile,
    ScanAsset,
    ScanFinding,
    ScanRecord,
    Score,
    Severity,
    Sniff,
    Upload,
)

ROOT = "document"
VERSION_ATTRIBUTE = "nipperstudio"
SECURITY_AUDIT = "SECURITYAUDIT"
VULNERABILITY_AUDIT = "VULNAUDIT"

#: Security Audit sections that introduce or summarise the audit rather than report an issue.
_SUMMARY_REFS = frozenset(
    {
        "INTRODUCTION",
        "SECURITY.INTRODUCTION",
        "SECURITY.FINDINGS.SUMMARY",
        "SECURITY.CONCLUSIONS",
        "SECURITY.RECOMMENDATIONS",
        "SECURITY.MITIGATIONS",
        "SECURITY.CLASSIFICATIONS",
    }
)

_OVERALL_RATING_RE = re.compile(r"overall\s+rating\s*:\s*(\w+)", re.IGNORECASE)
_CVSS2_VECTOR_RE = re.compile(r"[A-Za-z]+:[A-Z]+(?:/[A-Za-z]+:[A-Z]+)+")


# --- small records captured from the document while it streams past -------------------------


@dataclass(frozen=True, slots=True)
class _Device:
    name: str
    type: str = ""
    os: str = ""
    osversion: str = ""


@dataclass(frozen=True, slots=True)
class _Block:
    """One rendered content element: a paragraph, list, table, code block…"""

    kind: str  # "text", "list", "table", "other"
    text: str
    title: str = ""
    links: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Details:
    """``issuedetails``: the devices and the ratings of a Security Audit issue."""

    devices: tuple[_Device, ...]
    rating: str
    ratings: tuple[tuple[str, str], ...]  # (label, value) extra ratings kept as fields
    scores: tuple[Score, ...]


@dataclass(frozen=True, slots=True)
class _InfoBox:
    title: str
    data: tuple[tuple[str, str], ...]


@dataclass(slots=True)
class _Sub:
    """A finished sub-section with everything under it, flattened in document order."""

    ref: str
    title: str
    blocks: list[_Block] = field(default_factory=list)


_Item = _Block | _Details | _InfoBox | _Sub


class NipperParser:
    source: ClassVar[str] = "nipper"
    label: ClassVar[str] = "Nipper"

    def sniff(self, head: Sniff) -> bool:
        root = xml_root(head.head)
        return root is not None and root.name == ROOT and VERSION_ATTRIBUTE in root.attributes

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        stream = upload.stream
        known: dict[str, _Device] = {}
        buffers: dict[int, list[_Item]] = {}
        checked = False
        for element in iter_elements(
            stream,
            source=self.source,
            roots=(ROOT,),
            tags=("information", "section"),
            discard=("contents", "content"),
        ):
            if not checked:
                _check_version(element, self.source)
                checked = True
            if local_name(str(element.tag)) == "information":
                for device in _information_devices(element):
                    if device.name not in known:
                        known[device.name] = device
                        yield _asset(device)
                continue
            part, depth = _part_and_depth(element)
            if part not in (SECURITY_AUDIT, VULNERABILITY_AUDIT):
                buffers.clear()
                continue
            parent = element.getparent()
            items = buffers.pop(depth, []) + _own_items(element)
            if parent is not None and local_name(str(parent.tag)) == "section":
                # A sub-section: hand it up, with the parent's earlier children that freeing
                # this element is about to drop.
                into = buffers.setdefault(depth - 1, [])
                into.extend(_own_items(parent, before=element))
                into.append(_flatten(element, items))
                continue
            buffers.clear()
            yield from _section_records(element, part, items, known)


def _check_version(element: etree._Element, source: str) -> None:
    root = element.getroottree().getroot()
    if root.get(VERSION_ATTRIBUTE) is None:
        raise InvalidFile(
            source,
            f"root <{ROOT}> has no {VERSION_ATTRIBUTE} attribute, so it is not a Nipper Studio report",
        )


def _part_and_depth(section: etree._Element) -> tuple[str, int]:
    part = ""
    depth = 0
    for ancestor in section.iterancestors():
        depth += 1
        if not part and local_name(str(ancestor.tag)) == "part":
            part = ancestor.get("ref") or ""
    return part, depth


# --- turning elements into records ----------------------------------------------------------


def _own_items(section: etree._Element, before: etree._Element | None = None) -> list[_Item]:
    """The section's direct non-section children (only those before ``before`` if given)."""
    items: list[_Item] = []
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
                _InfoBox(
                    title=child.get("title") or "",
                    data=tuple((d.get("label") or "", _inline(d)) for d in child.iterchildren() if _is(d, "infodata")),
                )
            )
        else:
            block = _block(child)
            if block is not None:
                items.append(block)
    return items


def _flatten(section: etree._Element, items: list[_Item]) -> _Sub:
    sub = _Sub(ref=section.get("ref") or "", title=section.get("title") or "")
    for item in items:
        if isinstance(item, _Block):
            sub.blocks.append(item)
        elif isinstance(item, _Sub):
            heading = _Block(kind="text", text=item.title) if item.title else None
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


def _block(element: etree._Element) -> _Block | None:
    name = local_name(str(element.tag))
    if name == "list":
        items = [_inline(item) for item in element.iterchildren() if _is(item, "listitem")]
        text = "\n".join(f"- {item}" for item in items if item)
        return _Block(kind="list", text=text, links=_links(element)) if text else None
    if name == "table":
        title = element.get("title") or ""
        text = _render_table(element)
        return _Block(kind="table", text=text, title=title) if text else None
    text = _inline(element)
    if not text:
        return None
    title = element.get("title") or ""
    if title and name == "text":
        text = f"{title}: {text}"
    return _Block(kind="text" if name == "text" else "other", text=text, links=_links(element))


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


def _information_devices(information: etree._Element) -> list[_Device]:
    return [_device(d) for d in information.iter() if _is(d, "device") and d.get("name")]


def _device(element: etree._Element) -> _Device:
    return _Device(
        name=(element.get("name") or "").strip(),
        type=element.get("type") or "",
        os=element.get("os") or "",
        osversion=element.get("osversion") or "",
    )


def _details(issuedetails: etree._Element) -> _Details:
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
    return _Details(devices=devices, rating=rating, ratings=tuple(extra), scores=tuple(scores))


# --- findings ---------------------------------------------------------------------------------


def _section_records(
    section: etree._Element, part: str, items: list[_Item], known: dict[str, _Device]
) -> Iterator[ScanRecord]:
    ref = section.get("ref") or ""
    title = _text.clean(section.get("title") or "")
    if part == SECURITY_AUDIT:
        if ref.upper() in _SUMMARY_REFS or ref.upper().startswith("SECURITY.") or not title:
            return
        flaw_id = ref or _ids.title_flaw_id(title)
        audit = "Security Audit"
    else:
        cves = _ids.find_cves(title)
        if not title.upper().startswith("CVE-") or not cves:
            return
        flaw_id = cves[0]
        audit = "Vulnerability Audit"

    details = next((i for i in items if isinstance(i, _Details)), None)
    infobox = next((i for i in items if isinstance(i, _InfoBox)), None)
    subs = [i for i in items if isinstance(i, _Sub)]
    own_blocks = [i for i in items if isinstance(i, _Block)]

    devices = list(details.devices) if details else []
    if not devices:
        devices = _devices_from_text(subs, known, vulnerability_audit=part == VULNERABILITY_AUDIT)
    for device in devices:
        if device.name not in known:
            known[device.name] = device
            yield _asset(device)

    severity, fields, scores = _rating(details, infobox)
    fields.insert(0, ("Nipper Audit", audit))
    if part == SECURITY_AUDIT:
        finding_part = _sub(subs, "FINDING", "Finding")
        description_blocks = [b for b in (finding_part.blocks if finding_part else []) if b.kind != "table"]
        description = _text.join_paragraphs(
            _render(own_blocks),
            _render(description_blocks),
            _labelled("Impact", _sub(subs, "IMPACT", "Impact")),
            _labelled("Ease", _sub(subs, "EASE", "Ease")),
        )
        recommendations = _render_sub(_sub(subs, "RECOMMENDATION", "Recommendation"))
        references: tuple[str, ...] = ()
        evidence = tuple(
            Evidence(caption=b.title or "Finding table", code=b.text)
            for b in (finding_part.blocks if finding_part else [])
            if b.kind == "table"
        )
    else:
        summary = _sub(subs, "SUMMARY", "Summary")
        advisories = _sub(subs, "ADVISORY", "Vendor Security Advis")
        reference_sub = _sub(subs, "REFERENCE", "Reference")
        description = _text.join_paragraphs(_render(own_blocks), _render_sub(summary))
        recommendations = _render_sub(advisories)
        references = _ids.unique(
            link for sub in (advisories, reference_sub) if sub for b in sub.blocks for link in b.links
        )
        evidence = ()

    base = ScanFinding(
        flaw_id=flaw_id,
        title=title,
        severity=severity,
        description=description,
        recommendations=recommendations,
        references=references,
        cves=_ids.find_cves(
            title, description, recommendations, *references, *(e.code for e in evidence), _all_text(subs)
        ),
        scores=scores,
        fields=tuple((label, value) for label, value in fields if value),
        evidence=evidence,
    )
    if not devices:
        yield base
        return
    for device in devices:
        yield dataclasses.replace(base, asset=device.name)


def _all_text(subs: list[_Sub]) -> str:
    return "\n".join(block.text for sub in subs for block in sub.blocks)


def _rating(
    details: _Details | None, infobox: _InfoBox | None
) -> tuple[Severity, list[tuple[str, str]], tuple[Score, ...]]:
    fields: list[tuple[str, str]] = []
    scores: list[Score] = []
    word = ""
    if details is not None:
        word = details.rating
        fields.extend(details.ratings)
        scores.extend(details.scores)
    if infobox is not None:
        match = _OVERALL_RATING_RE.search(infobox.title)
        word = word or (match.group(1) if match else "")
        data = dict(infobox.data)
        vector_match = _CVSS2_VECTOR_RE.search(data.get("CVSSv2 Base", ""))
        score = data.get("CVSSv2 Score", "")
        if vector_match or score:
            scores.append(Score(kind="CVSS2", vector=vector_match.group(0) if vector_match else "", score=score))
        fields.extend((label, value) for label, value in infobox.data if label not in ("CVSSv2 Score", "CVSSv2 Base"))
    severity = _severity.from_label(word)
    if severity is None:
        fields.append(("Nipper Rating", word or "not rated"))
        severity = Severity.INFORMATIONAL
    else:
        fields.insert(0, ("Nipper Rating", word))
    return severity, fields, tuple(scores)


def _sub(subs: list[_Sub], ref_suffix: str, title_prefix: str) -> _Sub | None:
    for sub in subs:
        ref = sub.ref.upper()
        if ref == ref_suffix or ref.endswith("." + ref_suffix):
            return sub
    for sub in subs:
        if sub.title.lower().startswith(title_prefix.lower()):
            return sub
    return None


def _render(blocks: list[_Block]) -> str:
    parts = []
    for block in blocks:
        parts.append(f"{block.title}\n{block.text}" if block.kind == "table" and block.title else block.text)
    return _text.join_paragraphs(*parts)


def _render_sub(sub: _Sub | None) -> str:
    return _render(sub.blocks) if sub else ""


def _labelled(label: str, sub: _Sub | None) -> str:
    body = _render_sub(sub)
    return f"{label}:\n{body}" if body else ""


def _devices_from_text(subs: list[_Sub], known: dict[str, _Device], *, vulnerability_audit: bool) -> list[_Device]:
    """Devices named in an "Affected Device(s)" sub-section, when ``issuedetails`` has none."""
    sub = next((s for s in subs if s.title.lower().startswith("affected device")), None)
    if sub is None:
        sub = next((s for s in subs if s.ref.upper().endswith(".AFFECTED")), None)
    if sub is None:
        return []
    lines = [line.removeprefix("- ") for block in sub.blocks for line in block.text.splitlines()]
    found: dict[str, _Device] = {}
    for line in lines:
        matched = _known_names_in(line, known)
        if matched:
            for name in matched:
                found.setdefault(name, known[name])
            continue
        if " - " not in line:
            continue
        # "name - type." in the Security Audit; "type - name;" in the Vulnerability Audit.
        first, _, last = line.rpartition(" - ") if vulnerability_audit else line.partition(" - ")
        name = (last if vulnerability_audit else first).strip().rstrip(".;,").strip()
        if name:
            found.setdefault(name, _Device(name=name))
    return list(found.values())


def _known_names_in(text: str, known: dict[str, _Device]) -> list[str]:
    names = []
    rest = text
    for name in sorted(known, key=len, reverse=True):
        pattern = re.compile(rf"(?<![\w.-]){re.escape(name)}(?![\w-])")
        if pattern.search(rest):
            names.append(name)
            rest = pattern.sub(" ", rest)
    return names


def _asset(device: _Device) -> ScanAsset:
    return ScanAsset(
        name=device.name,
        hostname=device.name,
        operating_system=" ".join(p for p in (device.os, device.osversion) if p),
        type="Network Device",
        description=f"Device type: {device.type}" if device.type else "",
    )
