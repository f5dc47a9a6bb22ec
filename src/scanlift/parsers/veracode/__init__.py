"""Veracode Detailed Report XML: ``<detailedreport>`` (report_format_version 1.5).

Mapping (PlexTrac's Veracode page where published; see docs/sources.md (veracode)). Static, dynamic
and manual flaws (``severity/category/cwe/{staticflaws,dynamicflaws,manualflaws}/flaw``): the
``flaw_id`` is the flaw's ``cweid`` ("Veracode cweid/issue type"), the title its
``categoryname`` (Veracode's vulnerability name); the description is the flaw description
followed by the category and CWE background; recommendations are the category's
recommendations; "Remediation Effort" and "Exploitation Difficulty" are custom fields. Severity
is Veracode's 0-5 scale: 0 and 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical ("Very
High"). A tag says where a finding came from: SAST, DAST, SCA (and Manual for manual
penetration-test flaws). Static flaws sit on the application asset (``app_name``) at
``path/file:line`` with the source file, line, function and module as evidence; dynamic flaws
(and manual flaws whose ``location`` is a URL) sit on the host of their URL, with the URL and
the vulnerable parameter (``vuln_parameter``, or a manual flaw's ``inputvector``).

SCA (``software_composition_analysis/vulnerable_components/component/vulnerabilities/
vulnerability``): one sighting per vulnerability and component, ``flaw_id`` = the CVE id (the
SCA issue type), on the application asset, located at the component's first file path; every
CVE of the item (including those its summary cites) and CWE is kept. Veracode does not say
which CVSS version ``cvss_score`` uses, so it is kept as a field, not as a typed score.

Mitigated, accepted or fixed flaws are kept, with their state in fields. Veracode writes some
attribute values entity-encoded (``https&#x3a;&#x2f;&#x2f;…``); XML decoding restores them.

The same source reads the Veracode Findings REST API JSON (``{"findings": […]}`` or
``{"_embedded": {"findings": […]}}``) through ``veracode_json``, with the same flaw ids, severity
scale and tags; the first bytes decide which reader runs. Veracode's SCA workspace JSON
(``_embedded.issues``) and SCA CSV are other exports and are refused by name.

Streaming: ``flaw`` and ``vulnerability`` elements are read one at a time; their category and
component ancestors are still open and already hold the text read before them (category
description, component attributes and file paths). Finished categories and components are freed.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import ClassVar

from scanlift.parsers._lib.xml import iter_elements, local_name
from scanlift.parsers.base import InvalidFile, Port, ScanAsset, ScanRecord, Sniff, Upload
from scanlift.parsers.veracode import json as veracode_json
from scanlift.parsers.veracode.json import SOURCE
from scanlift.parsers.veracode.json_values import host_asset
from scanlift.parsers.veracode.xml_flaws import flaw_finding
from scanlift.parsers.veracode.xml_nodes import ancestor
from scanlift.parsers.veracode.xml_sca import sca_finding

ROOT = "detailedreport"


class VeracodeParser:
    source: ClassVar[str] = SOURCE
    label: ClassVar[str] = "Veracode"

    def sniff(self, head: Sniff) -> bool:
        root = head.xml_root
        if root is not None:
            return root.name == ROOT and ("report_format_version" in root.attributes or "app_id" in root.attributes)
        return veracode_json.claims(head.head)

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        head = upload.head.head
        if upload.head.kind == "json":
            yield from veracode_json.records(head, upload.stream)
            return
        start = head.lstrip(codecs.BOM_UTF8).lstrip()
        if start.startswith((b'"Issue ID"', b"Issue ID,")):
            raise InvalidFile(
                SOURCE,
                "found a CSV file (Veracode SCA issues export); the veracode source takes the Detailed Report XML "
                "(<detailedreport>) or the Findings REST API JSON",
            )
        yield from self._parse_xml(upload)

    def _parse_xml(self, upload: Upload) -> Iterator[ScanRecord]:
        application = ""
        hosts: dict[str, dict[str, Port]] = {}
        for element in iter_elements(
            upload.stream,
            head=upload.head,
            source=SOURCE,
            roots=(ROOT,),
            tags=("flaw", "vulnerability"),
            discard=("category", "component"),
        ):
            if not application:
                root = element.getroottree().getroot()
                application = (root.get("app_name") or "").strip() or f"Veracode app {root.get('app_id') or '?'}"
                yield ScanAsset(name=application, type="Application")
            if local_name(str(element.tag)) == "flaw":
                finding = flaw_finding(element, application)
                if finding.asset and finding.asset != application:
                    ports = hosts.setdefault(finding.asset, {})
                    if finding.port is not None:
                        ports.setdefault(finding.port.number, finding.port)
                yield finding
            else:
                component = ancestor(element, "component")
                if component is not None:
                    yield sca_finding(element, component, application)
        for name, ports in hosts.items():
            yield host_asset(name, tuple(ports.values()))
