"""Veracode Detailed Report XML: static, dynamic and manual ``flaw`` elements as findings."""

from __future__ import annotations

import re

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.xml import local_name
from scanlift.parsers.base import Evidence, ScanFinding, Severity
from scanlift.parsers.veracode.json_values import EXPLOIT_LEVELS, url_host
from scanlift.parsers.veracode.xml_nodes import (
    ancestor,
    attributes,
    child_text,
    cwe_description,
    mitigation_text,
    paragraphs,
    q,
)

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


def flaw_finding(flaw: etree._Element, application: str) -> ScanFinding:
    cwe_element = ancestor(flaw, "cwe")
    category = ancestor(flaw, "category")
    flaw_list = flaw.getparent()
    list_name = local_name(str(flaw_list.tag)) if flaw_list is not None else ""
    tag = SCAN_TAGS.get(list_name, "")
    attr = attributes(flaw)

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
        paragraphs(category.find(q(category, "desc"))) if category is not None else "",
        cwe_description(cwe_element),
    )
    manual = [child_text(flaw, t) for t in ("exploit_desc", "severity_desc")]
    recommendations = _text.join_paragraphs(
        child_text(flaw, "remediation_desc"),
        paragraphs(category.find(q(category, "recommendations"))) if category is not None else "",
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
    mitigations = mitigation_text(flaw)
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


def _level(flaw: etree._Element) -> str:
    severity = ancestor(flaw, "severity")
    return (severity.get("level") or "") if severity is not None else ""
