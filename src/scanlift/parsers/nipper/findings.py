"""A finished Security Audit or Vulnerability Audit section, as findings on the devices it names."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers.base import Evidence, ScanAsset, ScanFinding, ScanRecord, Score, Severity
from scanlift.parsers.nipper.document import Block, Details, Device, InfoBox, Item, Sub

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


def section_records(
    section: etree._Element, part: str, items: list[Item], known: dict[str, Device]
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

    details = next((i for i in items if isinstance(i, Details)), None)
    infobox = next((i for i in items if isinstance(i, InfoBox)), None)
    subs = [i for i in items if isinstance(i, Sub)]
    own_blocks = [i for i in items if isinstance(i, Block)]

    devices = list(details.devices) if details else []
    if not devices:
        devices = _devices_from_text(subs, known, vulnerability_audit=part == VULNERABILITY_AUDIT)
    for device in devices:
        if device.name not in known:
            known[device.name] = device
            yield device_asset(device)

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


def _all_text(subs: list[Sub]) -> str:
    return "\n".join(block.text for sub in subs for block in sub.blocks)


def _rating(
    details: Details | None, infobox: InfoBox | None
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


def _sub(subs: list[Sub], ref_suffix: str, title_prefix: str) -> Sub | None:
    for sub in subs:
        ref = sub.ref.upper()
        if ref == ref_suffix or ref.endswith("." + ref_suffix):
            return sub
    for sub in subs:
        if sub.title.lower().startswith(title_prefix.lower()):
            return sub
    return None


def _render(blocks: list[Block]) -> str:
    parts = []
    for block in blocks:
        parts.append(f"{block.title}\n{block.text}" if block.kind == "table" and block.title else block.text)
    return _text.join_paragraphs(*parts)


def _render_sub(sub: Sub | None) -> str:
    return _render(sub.blocks) if sub else ""


def _labelled(label: str, sub: Sub | None) -> str:
    body = _render_sub(sub)
    return f"{label}:\n{body}" if body else ""


def _devices_from_text(subs: list[Sub], known: dict[str, Device], *, vulnerability_audit: bool) -> list[Device]:
    """Devices named in an "Affected Device(s)" sub-section, when ``issuedetails`` has none."""
    sub = next((s for s in subs if s.title.lower().startswith("affected device")), None)
    if sub is None:
        sub = next((s for s in subs if s.ref.upper().endswith(".AFFECTED")), None)
    if sub is None:
        return []
    lines = [line.removeprefix("- ") for block in sub.blocks for line in block.text.splitlines()]
    found: dict[str, Device] = {}
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
            found.setdefault(name, Device(name=name))
    return list(found.values())


def _known_names_in(text: str, known: dict[str, Device]) -> list[str]:
    names = []
    rest = text
    for name in sorted(known, key=len, reverse=True):
        pattern = re.compile(rf"(?<![\w.-]){re.escape(name)}(?![\w-])")
        if pattern.search(rest):
            names.append(name)
            rest = pattern.sub(" ", rest)
    return names


def device_asset(device: Device) -> ScanAsset:
    return ScanAsset(
        name=device.name,
        hostname=device.name,
        operating_system=" ".join(p for p in (device.os, device.osversion) if p),
        type="Network Device",
        description=f"Device type: {device.type}" if device.type else "",
    )
