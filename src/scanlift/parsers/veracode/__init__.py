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
import re
from collections.abc import Iterator
from typing import ClassVar

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.xml import iter_elements, local_name
from scanlift.parsers.base import (
    Evidence,
    InvalidFile,
    Port,
    ScanAsset,
    ScanFinding,
    ScanRecord,
    Severity,
    Sniff,
    Upload,
)
from scanlift.parsers.veracode import json as veracode_json
from scanlift.parsers.veracode.json import SOURCE
from scanlift.parsers.veracode.json_values import EXPLOIT_LEVELS, host_asset, url_host

ROOT = "detailedreport"

#: Flaw list element -> the tag PlexTrac adds (the JSON reader's ``scan_type`` tags are the same).
SCAN_TAGS = {"staticflaws": "SAST", "dynamicflaws": "DAST", "manualflaws": "Manual"}

#: Flaw attributes kept as fields, with their labels.
_FLAW_FIELDS = (
    ("remediationeffort", "Remediation Effort"),
    ("exploitdifficulty", "Exploitation Difficulty"),
    ("type", "Flaw Type"),
    ("module", "Module"),
    ("cia_impact", "CIA Impact"),
    ("remediation_status", "Remediation Status"),
    ("mitigation_status_desc", "Mitigation Status"),
    ("date_first_occurrence", "First Found"),
    ("affects_policy_compliance", "Affects Policy Compliance"),
    ("grace_period_expires", "Grace Period Expires"),
    ("note", "Note"),
    ("capecid", "CAPEC ID"),
    ("inputvector", "Input Vector"),
    ("cvss", "CVSS Score"),
)

_URL_RE = re.compile(r"https?://[^\s)>\"']+")
_CWE_TOKEN_RE = re.compile(r"(?:CWE-?)?(\d{1,5})", re.IGNORECASE)


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
                finding = _flaw(element, application)
                if finding.asset and finding.asset != application:
                    ports = hosts.setdefault(finding.asset, {})
                    if finding.port is not None:
                        ports.setdefault(finding.port.number, finding.port)
                yield finding
            else:
                component = _ancestor(element, "component")
                if component is not None:
                    yield _sca(element, component, application)
        for name, ports in hosts.items():
            yield host_asset(name, tuple(ports.values()))


# ---------------------------------------------------------------------------------------------
# Static, dynamic and manual flaws


def _flaw(flaw: etree._Element, application: str) -> ScanFinding:
    cwe_element = _ancestor(flaw, "cwe")
    category = _ancestor(flaw, "category")
    flaw_list = flaw.getparent()
    list_name = local_name(str(flaw_list.tag)) if flaw_list is not None else ""
    tag = SCAN_TAGS.get(list_name, "")
    attr = _attributes(flaw)

    cweid = attr.get("cweid") or (cwe_element.get("cweid") or "" if cwe_element is not None else "")
    cwe = _ids.parse_cwe(cweid)
    title = (
        attr.get("categoryname")
        or (category.get("categoryname") or "" if category is not None else "")
        or (cwe_element.get("cwename") or "" if cwe_element is not None else "")
        or f"Veracode CWE-{cweid}"
    )
    description = _text.clean(attr.get("description"))
    background = _text.join_paragraphs(
        _paragraphs(category.find(_q(category, "desc"))) if category is not None else "",
        _cwe_description(cwe_element),
    )
    manual = [_child_text(flaw, t) for t in ("exploit_desc", "severity_desc")]
    recommendations = _text.join_paragraphs(
        _child_text(flaw, "remediation_desc"),
        _paragraphs(category.find(_q(category, "recommendations"))) if category is not None else "",
    )

    url = attr.get("url", "") or (attr.get("location", "") if "://" in attr.get("location", "") else "")
    asset, port = application, None
    if url:
        asset, port = url_host(url, application)
    location = url or _source_file(attr) or attr.get("location", "")
    parameter = attr.get("vuln_parameter", "") or attr.get("inputvector", "")

    fields = [(label, attr.get(name, "")) for name, label in _FLAW_FIELDS]
    level = attr.get("exploitLevel", "")
    if level:
        fields.append(("Exploit Level", EXPLOIT_LEVELS.get(level, level)))
    mitigations = _mitigations(flaw)
    if mitigations:
        fields.append(("Mitigations", mitigations))
    fields.append(("Issue ID", attr.get("issueid", "")))
    severity = _severity.from_scale(attr.get("severity"), _severity.ZERO_TO_FIVE)
    if severity is None:
        fields.append(("Veracode Severity", attr.get("severity") or "(missing)"))
        severity = _severity.from_scale(_level(flaw), _severity.ZERO_TO_FIVE)

    return ScanFinding(
        flaw_id=str(cwe) if cwe is not None else _ids.title_flaw_id(title),
        title=title,
        severity=severity or Severity.INFORMATIONAL,
        description=_text.join_paragraphs(description, *manual, background),
        recommendations=recommendations,
        references=_references(description),
        cves=_ids.find_cves(description, *manual),
        cwes=(cwe,) if cwe is not None else (),
        tags=(tag,) if tag else (),
        fields=tuple((label, value) for label, value in fields if value),
        asset=asset,
        port=port,
        location_url=location,
        vulnerable_parameters=(parameter,) if parameter else (),
        evidence=_flaw_evidence(attr, tag),
    )


def _source_file(attr: dict[str, str]) -> str:
    """``sourcefilepath`` + ``sourcefile`` + ``:line`` of a static flaw, or ""."""
    path, name, line = attr.get("sourcefilepath", ""), attr.get("sourcefile", ""), attr.get("line", "")
    if path and name and not path.endswith(("/", "\\")):
        path += "/"
    where = f"{path}{name}" if name else ""
    return f"{where}:{line}" if where and line else where


def _flaw_evidence(attr: dict[str, str], tag: str) -> tuple[Evidence, ...]:
    rows = [
        ("Source file", _source_file(attr)),
        ("Function", attr.get("functionprototype", "")),
        ("Relative location in function (%)", attr.get("functionrelativelocation", "")),
        ("Scope", attr.get("scope", "")),
        ("Module", attr.get("module", "")),
        ("Flaw type", attr.get("type", "")),
        ("URL", attr.get("url", "")),
        ("Vulnerable parameter", attr.get("vuln_parameter", "")),
        ("Location", attr.get("location", "")),
        ("Input vector", attr.get("inputvector", "")),
    ]
    text = "\n".join(f"{label}: {value}" for label, value in rows if value)
    if not text:
        return ()
    caption = {"SAST": "Static flaw location", "DAST": "Dynamic flaw location"}.get(tag, "Flaw location")
    issue = attr.get("issueid", "")
    return (Evidence(caption=f"{caption} (issue {issue})" if issue else caption, code=text),)


def _references(description: str) -> tuple[str, ...]:
    """URLs of the "References:" block Veracode ends flaw descriptions with."""
    _head, marker, tail = description.partition("References:")
    return _ids.unique(_URL_RE.findall(tail if marker else ""))


def _mitigations(element: etree._Element) -> str:
    lines = []
    for mitigation in element.iter():
        if isinstance(mitigation.tag, str) and local_name(mitigation.tag) == "mitigation":
            a = _attributes(mitigation)
            who = " by ".join(p for p in (a.get("action", ""), a.get("user", "")) if p)
            when = f" on {a['date']}" if a.get("date") else ""
            what = f": {a['description']}" if a.get("description") else ""
            lines.append(f"{who}{when}{what}".strip())
    return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------------------------------------
# Software composition analysis


def _sca(vulnerability: etree._Element, component: etree._Element, application: str) -> ScanFinding:
    attr = _attributes(vulnerability)
    comp = _attributes(component)
    cve = attr.get("cve_id", "")
    library = comp.get("library") or comp.get("file_name") or "component"
    version = comp.get("version", "")
    summary = _text.clean(attr.get("cve_summary"))
    title = f"{cve} in {library}" if cve else f"Vulnerable component: {library}"
    paths = [
        _attributes(p).get("value", "")
        for p in component.iter()
        if isinstance(p.tag, str) and local_name(p.tag) == "file_path"
    ]
    paths = [p for p in paths if p]
    cwes = [int(m) for m in _CWE_TOKEN_RE.findall(attr.get("cwe_id", ""))]
    details = _text.join_paragraphs(
        summary,
        f"Component: {library} {version}".strip() + (f" ({comp['vendor']})" if comp.get("vendor") else ""),
        comp.get("description", ""),
    )
    recommendation = (
        f"Update {library} from version {version} to a release that fixes {cve or 'this vulnerability'}."
        if version
        else f"Update {library} to a release that fixes {cve or 'this vulnerability'}."
    )
    fields = [
        ("CVSS Score", attr.get("cvss_score", "")),
        ("Veracode Severity", attr.get("severity_desc", "")),
        ("Library", library),
        ("Library Version", version),
        ("Vendor", comp.get("vendor", "")),
        ("Library ID", comp.get("library_id", "")),
        ("Mitigated", attr.get("mitigation", "")),
        ("Mitigation Type", attr.get("mitigation_type", "")),
        ("Mitigated Date", attr.get("mitigated_date", "")),
        ("First Found", attr.get("first_found_date", "")),
        ("Affects Policy Compliance", attr.get("vulnerability_affects_policy_compliance", "")),
        ("Mitigations", _mitigations(vulnerability)),
    ]
    severity = _severity.from_scale(attr.get("severity"), _severity.ZERO_TO_FIVE) or _severity.from_label(
        attr.get("severity_desc", "").replace("Very High", "Critical").replace("Very Low", "Informational")
    )
    evidence_rows = [
        ("Component file", comp.get("file_name", "")),
        ("Library", f"{library} {version}".strip()),
        ("Vendor", comp.get("vendor", "")),
        ("Library ID", comp.get("library_id", "")),
        ("SHA-1", comp.get("sha1", "")),
    ]
    evidence = [f"{label}: {value}" for label, value in evidence_rows if value]
    if paths:
        evidence += ["File paths:", *(f"  {p}" for p in paths)]
    return ScanFinding(
        flaw_id=cve or _ids.title_flaw_id(title),
        title=title,
        severity=severity or Severity.INFORMATIONAL,
        description=details,
        recommendations=recommendation,
        references=(f"https://nvd.nist.gov/vuln/detail/{cve}",) if _ids.find_cves(cve) else (),
        cves=_ids.find_cves(cve, summary),
        cwes=tuple(dict.fromkeys(cwes)),
        tags=("SCA",),
        fields=tuple((label, value) for label, value in fields if value),
        asset=application,
        location_url=paths[0] if paths else comp.get("file_name", ""),
        evidence=(Evidence(caption="Vulnerable component", code="\n".join(evidence)),),
    )


# ---------------------------------------------------------------------------------------------
# Helpers


def _attributes(element: etree._Element) -> dict[str, str]:
    return {str(k): str(v).strip() for k, v in element.attrib.items()}


def _ancestor(element: etree._Element, name: str) -> etree._Element | None:
    for ancestor in element.iterancestors():
        if isinstance(ancestor.tag, str) and local_name(ancestor.tag) == name:
            return ancestor
    return None


def _level(flaw: etree._Element) -> str:
    severity = _ancestor(flaw, "severity")
    return (severity.get("level") or "") if severity is not None else ""


def _q(element: etree._Element, tag: str) -> str:
    """``tag`` in the element's namespace (Veracode reports are namespaced)."""
    namespace = etree.QName(element).namespace
    return f"{{{namespace}}}{tag}" if namespace else tag


def _child_text(element: etree._Element, tag: str) -> str:
    child = element.find(_q(element, tag))
    return _text.clean("".join(str(t) for t in child.itertext())) if child is not None else ""


def _paragraphs(element: etree._Element | None) -> str:
    """Veracode ``<para text="…"><bulletitem text="…"/></para>`` blocks as plain text."""
    if element is None:
        return ""
    lines: list[str] = []
    for node in element.iter():
        if not isinstance(node.tag, str):
            continue
        name = local_name(node.tag)
        text = (node.get("text") or "").strip()
        if name == "para" and text:
            lines.append(("\n" if lines else "") + text)
        elif name == "bulletitem" and text:
            lines.append(f"- {text}")
    return _text.clean("\n".join(lines))


def _cwe_description(cwe: etree._Element | None) -> str:
    if cwe is None:
        return ""
    description = cwe.find(_q(cwe, "description"))
    if description is None:
        return ""
    texts = [(t.get("text") or "").strip() for t in description.iter() if isinstance(t.tag, str)]
    return _text.clean("\n\n".join(t for t in texts if t))
