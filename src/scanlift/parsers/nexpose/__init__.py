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
* parks each vulnerable test in the shared deferred-join spool (``_lib/spool.py``: one compact
  JSON line, on disk past a bound) with its ids, port, status and proof text;
* keeps in memory only the set of vulnerability ids that were sighted and, once definitions
  arrive, the definitions of those ids (bounded by the number of distinct vulnerabilities found,
  not by file size); definitions nobody references are dropped, except in a non-conforming file
  where a definition comes before the end of ``<nodes>``: those are spooled too, in case a later
  test needs them;
* at the end, reads the spool back in file order and yields one complete ``ScanFinding`` per
  sighting.

A test whose definition is missing from the file still yields a sighting, titled after its id, at
Informational severity, with a "Nexpose Definition: missing from the file" field.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib.definitions import definition_spool
from scanlift.parsers._lib.spool import Spool
from scanlift.parsers._lib.xml import iter_elements, local_name
from scanlift.parsers.base import Evidence, FindingDefinition, Port, ScanFinding, ScanRecord, Severity, Sniff, Upload
from scanlift.parsers.nexpose.assets import endpoint_port, node_asset, node_name
from scanlift.parsers.nexpose.definitions import definition
from scanlift.parsers.nexpose.markup import markup_text

ROOT = "NexposeReport"


class NexposeParser:
    source: ClassVar[str] = "nexpose"
    label: ClassVar[str] = "Nexpose"

    def sniff(self, head: Sniff) -> bool:
        return head.root_name == ROOT

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        sighted: set[str] = set()
        definitions: dict[str, FindingDefinition] = {}
        nodes_done = False
        with Spool.of_json() as sightings, definition_spool() as early:
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
                            definitions[key] = definition(element)
                    elif not nodes_done and key not in early:
                        early.append(definition(element), key=key)
            for key in sighted - definitions.keys():  # defined before </nodes>, in a non-conforming file
                found = early.find(key)
                if found is not None:
                    definitions[key] = found
            for sighting in sightings:
                yield _finding(sighting, definitions.get(sighting["id"].lower()))


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


def _finding(sighting: dict[str, Any], definition: FindingDefinition | None) -> ScanFinding:
    vuln_id = str(sighting["id"])
    port = None
    if sighting["port"]:
        number, protocol, service, version = sighting["port"]
        port = Port(number=number, protocol=protocol, service=service, version=version)
    evidence: tuple[Evidence, ...] = ()
    if sighting["proof"]:
        evidence = (Evidence(caption=_caption(sighting, port), code=sighting["proof"]),)
    known = definition or _missing_definition(vuln_id)
    return known.sighted(asset=sighting["asset"] or None, port=port, evidence=evidence)


def _missing_definition(vuln_id: str) -> FindingDefinition:
    """Stand-in for an id whose definition is not in the file: the sighting is still reported."""
    return FindingDefinition(
        flaw_id=vuln_id.lower(),
        title=f"Nexpose check {vuln_id}",
        severity=Severity.INFORMATIONAL,
        cves=_ids.find_cves(vuln_id),
        fields=(("Nexpose Vulnerability ID", vuln_id), ("Nexpose Definition", "missing from the file")),
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
