"""Nexpose vulnerability definitions: the text every sighting of a vulnerability id shares.

A ``<vulnerability>`` under ``VulnerabilityDefinitions`` gives the title, the description and
solution, references, exploits, malware kits, tags and CVSS; ``definition`` renders one as the
``FindingDefinition`` that each sighting is stamped with.
"""

from __future__ import annotations

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.xml import local_name
from scanlift.parsers.base import FindingDefinition, Score, Severity
from scanlift.parsers.nexpose.markup import all_text, children_of, markup_text

#: Definition attributes kept as custom fields, with their labels.
_DEFINITION_FIELDS = (
    ("pciSeverity", "PCI Severity"),
    ("riskScore", "Nexpose Risk Score"),
    ("published", "Published"),
    ("added", "Added to Nexpose"),
    ("modified", "Modified"),
)


def definition(vuln: etree._Element) -> FindingDefinition:
    """The definition every sighting of the ``<vulnerability>``'s id shares.

    The id is lower-cased because tests and definitions do not always agree on case; the 0-10
    severity is bucketed like a CVSS score (the raw value and Nexpose's category are fields).
    """
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
    return FindingDefinition(
        flaw_id=vuln_id.lower(),
        title=title,
        severity=_severity.from_cvss(severity) or Severity.INFORMATIONAL,
        description=description,
        recommendations=solution,
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
