"""Veracode Detailed Report XML: software composition analysis ``vulnerability`` elements as findings."""

from __future__ import annotations

import re

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.xml import local_name
from scanlift.parsers.base import Evidence, ScanFinding, Severity
from scanlift.parsers.veracode.xml_nodes import attributes, mitigation_text

_CWE_TOKEN_RE = re.compile(r"(?:CWE-?)?(\d{1,5})", re.IGNORECASE)


def sca_finding(vulnerability: etree._Element, component: etree._Element, application: str) -> ScanFinding:
    attr = attributes(vulnerability)
    comp = attributes(component)
    cve = attr.get("cve_id", "")
    library = comp.get("library") or comp.get("file_name") or "component"
    version = comp.get("version", "")
    summary = _text.clean(attr.get("cve_summary"))
    title = f"{cve} in {library}" if cve else f"Vulnerable component: {library}"
    paths = [
        attributes(p).get("value", "")
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
        ("Mitigations", mitigation_text(vulnerability)),
    ]
    severity_desc = attr.get("severity_desc", "")
    severity = (
        _severity.from_scale(attr.get("severity"), _severity.ZERO_TO_FIVE)
        or _severity.from_scale(severity_desc, _severity.VERACODE_SEVERITY_DESC)
        or _severity.from_label(severity_desc)
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
