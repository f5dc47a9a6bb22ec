"""Rapid7 Nexpose / InsightVM "XML Export 2.0" (and the 1.0 export of the same shape).

Mapping (see docs/sources.md (nexpose)): one finding per Nexpose vulnerability id (lower-cased,
because tests and definitions do not always agree on case); one asset per ``<node>``, named by its
``address``; each ``<test>`` whose status starts with ``vulnerable`` is one sighting on (node,
endpoint port) whose proof text is evidence. Title, description, solution, references, tags and
CVSS come from the matching ``VulnerabilityDefinitions/vulnerability``. Severity is the
definition's 0-10 ``severity`` bucketed like a CVSS score (0 Informational, 1-3 Low, 4-6 Medium,
7-8 High, 9-10 Critical); the raw value and Nexpose's own category (1-3 Moderate, 4-7 Severe,
8-10 Critical) are kept as fields.

Streaming: the export lists every node (with its tests) before the vulnerability definitions, so a
sighting's text lives later in the file than the sighting itself. Holding the sightings in memory
would grow with the file, and a parser must not emit a sighting with provisional text because the
merger keeps the first text it sees per flaw id. So the parser reads the file once and:

* yields each node's ``ScanAsset`` as soon as the node ends;
* spools each vulnerable test as one compact JSON line to an anonymous temporary file (ids, port,
  status and the proof text; disk, not memory);
* keeps in memory only the set of vulnerability ids that were sighted and, once definitions
  arrive, the definitions of those ids (bounded by the number of distinct vulnerabilities found,
  not by file size); definitions nobody references are dropped, except in a non-conforming file
  where a definition comes before the end of ``<nodes>``: those are spooled too, in case a later
  test needs them;
* at the end, replays the spool and yields one complete ``ScanFinding`` per sighting.

A test whose definition is missing from the file still yields a sighting, titled after its id, at
Informational severity, with a "Nexpose Definition: missing from the file" field.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.spool import JsonLinesSpool
from scanlift.parsers._lib.xml import iter_elements, local_name
from scanlift.parsers.base import (
    Evidence,
    Port,
    ScanFinding,
    ScanRecord,
    Score,
    Severity,
    Sniff,
    Upload,
)
from scanlift.parsers.nexpose.assets import endpoint_port, node_asset, node_name
from scanlift.parsers.nexpose.markup import all_text, children_of, markup_text

ROOT = "NexposeReport"

#: Definition attributes kept as custom fields, with their labels.
_DEFINITION_FIELDS = (
    ("pciSeverity", "PCI Severity"),
    ("riskScore", "Nexpose Risk Score"),
    ("published", "Published"),
    ("added", "Added to Nexpose"),
    ("modified", "Modified"),
)


@dataclass(frozen=True, slots=True)
class _Definition:
    """The text of one ``<vulnerability>`` definition, shared by all its sightings."""

    vuln_id: str
    title: str
    severity: str
    description: str
    solution: str
    references: tuple[str, ...]
    cves: tuple[str, ...]
    scores: tuple[Score, ...]
    tags: tuple[str, ...]
    fields: tuple[tuple[str, str], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "vuln_id": self.vuln_id,
            "title": self.title,
            "severity": self.severity,
            "description": self.description,
            "solution": self.solution,
            "references": self.references,
            "cves": self.cves,
            "scores": [(s.kind, s.vector, s.score) for s in self.scores],
            "tags": self.tags,
            "fields": self.fields,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _Definition:
        return cls(
            vuln_id=data["vuln_id"],
            title=data["title"],
            severity=data["severity"],
            description=data["description"],
            solution=data["solution"],
            references=tuple(data["references"]),
            cves=tuple(data["cves"]),
            scores=tuple(Score(kind=k, vector=v, score=s) for k, v, s in data["scores"]),
            tags=tuple(data["tags"]),
            fields=tuple((label, value) for label, value in data["fields"]),
        )


class NexposeParser:
    source: ClassVar[str] = "nexpose"
    label: ClassVar[str] = "Nexpose"

    def sniff(self, head: Sniff) -> bool:
        return head.root_name == ROOT

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        sighted: set[str] = set()
        definitions: dict[str, _Definition] = {}
        nodes_done = False
        with JsonLinesSpool() as sightings, JsonLinesSpool() as early:
            for element in iter_elements(
                upload.stream,
                head=upload.head,
                source=self.source,
                roots=(ROOT,),
                tags=("test", "node", "nodes", "vulnerability"),
            ):
                name = local_name(str(element.tag))
                if name == "test":
                    sighting = _sighting(element)
                    if sighting is not None:
                        sighted.add(sighting["id"].lower())
                        sightings.append(sighting)
                elif name == "node":
                    yield node_asset(element)
                elif name == "nodes":
                    parent = element.getparent()
                    nodes_done = nodes_done or (parent is not None and parent.getparent() is None)
                else:  # vulnerability: rendered only when a test needs it (or may still need it)
                    key = (element.get("id") or "").strip().lower()
                    if key in sighted:
                        if key not in definitions:
                            definitions[key] = _definition(element)
                    elif not nodes_done:
                        early.append(_definition(element).to_json())
            if early.count and not sighted <= definitions.keys():
                definitions.update(_early_definitions(early, sighted - definitions.keys()))
            for sighting in sightings:
                yield _finding(sighting, definitions.get(sighting["id"].lower()))


def _early_definitions(spool: JsonLinesSpool, wanted: set[str]) -> dict[str, _Definition]:
    found: dict[str, _Definition] = {}
    for data in spool:
        key = str(data["vuln_id"]).lower()
        if key in wanted and key not in found:
            found[key] = _Definition.from_json(data)
    return found


# --- sightings -----------------------------------------------------------------------------


def _sighting(test: etree._Element) -> dict[str, Any] | None:
    """The spooled form of a vulnerable test, or None for any other status."""
    status = (test.get("status") or "").strip()
    vuln_id = (test.get("id") or "").strip()
    if not status.startswith("vulnerable") or not vuln_id:
        return None
    node = endpoint = service = None
    ancestor = test.getparent()
    while ancestor is not None and node is None:
        name = local_name(str(ancestor.tag))
        if name == "service":
            service = ancestor
        elif name == "endpoint":
            endpoint = ancestor
        elif name == "node":
            node = ancestor
        ancestor = ancestor.getparent()
    port = endpoint_port(endpoint, service) if endpoint is not None else None
    return {
        "id": vuln_id,
        "asset": node_name(node) if node is not None else "",
        "port": [port.number, port.protocol, port.service, port.version] if port else None,
        "status": status,
        "key": (test.get("key") or "").strip(),
        "since": (test.get("vulnerable-since") or "").strip(),
        "proof": markup_text(test),
    }


def _finding(sighting: dict[str, Any], definition: _Definition | None) -> ScanFinding:
    vuln_id = str(sighting["id"])
    port = None
    if sighting["port"]:
        number, protocol, service, version = sighting["port"]
        port = Port(number=number, protocol=protocol, service=service, version=version)
    evidence: tuple[Evidence, ...] = ()
    if sighting["proof"]:
        evidence = (Evidence(caption=_caption(sighting, port), code=sighting["proof"]),)
    asset = sighting["asset"] or None
    if definition is None:
        title = f"Nexpose check {vuln_id}"
        return ScanFinding(
            flaw_id=vuln_id.lower(),
            title=title,
            severity=Severity.INFORMATIONAL,
            cves=_ids.find_cves(vuln_id),
            fields=(("Nexpose Vulnerability ID", vuln_id), ("Nexpose Definition", "missing from the file")),
            asset=asset,
            port=port,
            evidence=evidence,
        )
    return ScanFinding(
        flaw_id=vuln_id.lower(),
        title=definition.title,
        severity=_severity.from_cvss(definition.severity) or Severity.INFORMATIONAL,
        description=definition.description,
        recommendations=definition.solution,
        references=definition.references,
        cves=definition.cves,
        scores=definition.scores,
        tags=definition.tags,
        fields=definition.fields,
        asset=asset,
        port=port,
        evidence=evidence,
    )


def _caption(sighting: dict[str, Any], port: Port | None) -> str:
    parts = [f"Nexpose proof ({sighting['status']})"]
    if port is not None:
        parts.append(f"on {port.protocol}/{port.number}" + (f" {port.service}" if port.service else ""))
    if sighting["key"]:
        parts.append(f"key {sighting['key']}")
    if sighting["since"]:
        parts.append(f"vulnerable since {sighting['since']}")
    return ", ".join(parts)


# --- definitions ---------------------------------------------------------------------------


def _definition(vuln: etree._Element) -> _Definition:
    vuln_id = (vuln.get("id") or "").strip()
    title = _text.clean(vuln.get("title")) or f"Nexpose check {vuln_id}"
    severity = (vuln.get("severity") or "").strip()
    description = _section_text(vuln, "description")
    solution = _section_text(vuln, "solution")
    raw_refs = [
        ((ref.get("source") or "").strip(), (ref.text or "").strip())
        for ref in children_of(vuln, "references", "reference")
    ]
    references = [_reference(source, value) for source, value in raw_refs]
    exploits = [_exploit(e) for e in children_of(vuln, "exploits", "exploit")]
    references += [link for _title, link in exploits if link]
    malware = [_text.clean(all_text(m)) for m in children_of(vuln, "malware", "name")]
    fields = [("Nexpose Vulnerability ID", vuln_id), ("Nexpose Severity", severity)]
    fields.append(("Nexpose Severity Category", _category(severity)))
    fields += [(label, (vuln.get(attr) or "").strip()) for attr, label in _DEFINITION_FIELDS]
    fields.append(("Exploits", "\n".join(title for title, _url in exploits if title)))
    fields.append(("Malware Kits", "\n".join(m for m in malware if m)))
    return _Definition(
        vuln_id=vuln_id,
        title=title,
        severity=severity,
        description=description,
        solution=solution,
        references=_ids.unique(r for r in references if r.rstrip(": ")),
        cves=_ids.find_cves(
            *(value for source, value in raw_refs if source.upper() == "CVE"),
            vuln_id,
            title,
            description,
            solution,
        ),
        scores=_scores(vuln),
        tags=_ids.unique((t.text or "") for t in children_of(vuln, "tags", "tag")),
        fields=tuple((label, value) for label, value in fields if value),
    )


def _reference(source: str, value: str) -> str:
    """A URL as is, "BID: 6823" for the other sources (a value that names its source stays bare)."""
    if source.upper() == "URL" or not source or value.upper().startswith(source.upper()):
        return value
    return f"{source}: {value}"


def _section_text(vuln: etree._Element, name: str) -> str:
    parts = [markup_text(c) for c in vuln if isinstance(c.tag, str) and local_name(c.tag) == name]
    return "\n\n".join(p for p in parts if p)


def _exploit(exploit: etree._Element) -> tuple[str, str]:
    """(label, link) of an ``<exploit>``: its title with source and skill level, and its URL."""
    title = _text.clean(exploit.get("title") or all_text(exploit))
    details = [exploit.get("type") or "", exploit.get("skillLevel") or ""]
    detail = ", ".join(d.strip() for d in details if d and d.strip())
    label = f"{title} ({detail})" if title and detail else title
    return label, (exploit.get("link") or "").strip()


def _category(severity: str) -> str:
    """Nexpose's own label for its 1-10 severity."""
    try:
        value = float(severity)
    except ValueError:
        return ""
    if value >= 8:
        return "Critical"
    if value >= 4:
        return "Severe"
    if value >= 1:
        return "Moderate"
    return ""


def _scores(vuln: etree._Element) -> tuple[Score, ...]:
    """The export's only CVSS data: a CVSS v2 ``cvssVector`` "(AV:N/...)" and ``cvssScore``."""
    vector = (vuln.get("cvssVector") or "").strip().strip("()")
    score = (vuln.get("cvssScore") or "").strip()
    return (Score(kind="CVSS2", vector=vector, score=score),) if vector or score else ()
