"""The Qualys knowledge base: a vulnerability definition from a VM report's knowledge-base block,
with its references, CVEs and fields."""

from __future__ import annotations

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import text as _text
from scanlift.parsers.base import FindingDefinition
from scanlift.parsers.qualys import common as _qualys
from scanlift.parsers.qualys import records
from scanlift.parsers.qualys.common import child_text, kb_text, texts

# ---------------------------------------------------------------------------------------------
# Knowledge-base blocks common to the VM report formats (<VULN_DETAILS>, <VULN>, <INFO>…)


def kb_references(entry: etree._Element) -> tuple[str, ...]:
    """Reference links: vendor references, CVE and Bugtraq links (an id stands in for a missing URL)."""
    refs: list[str] = []
    for path in (
        "VENDOR_REFERENCE_LIST/VENDOR_REFERENCE",
        "CVE_ID_LIST/CVE_ID",
        "BUGTRAQ_ID_LIST/BUGTRAQ_ID",
    ):
        for ref in entry.iterfind(path):
            url, ident = child_text(ref, "URL"), child_text(ref, "ID")
            if url or (ident and path.startswith("VENDOR")):
                refs.append(url or ident)
    return _ids.unique(refs)


def kb_cves(entry: etree._Element, *extra: str) -> tuple[str, ...]:
    """Every CVE of the entry: its CVE list, CVEs named by exploit references, and ``extra`` texts."""
    return _ids.find_cves(
        *extra,
        *texts(entry, "CVE_ID_LIST/CVE_ID/ID"),
        *texts(entry, "CORRELATION/EXPLOITABILITY/EXPLT_SRC/EXPLT_LIST/EXPLT/REF"),
    )


def kb_fields(entry: etree._Element) -> list[tuple[str, str]]:
    """Knowledge-base facts kept as custom fields."""
    fields: list[tuple[str, str]] = []
    pci = child_text(entry, "PCI_FLAG")
    if pci:
        fields.append(("PCI Flag", {"1": "yes", "0": "no"}.get(pci, pci)))
    if child_text(entry, "LAST_UPDATE"):
        fields.append(("Last Update", child_text(entry, "LAST_UPDATE")))
    vendor_ids = texts(entry, "VENDOR_REFERENCE_LIST/VENDOR_REFERENCE/ID")
    if vendor_ids:
        fields.append(("Vendor References", ", ".join(_ids.unique(vendor_ids))))
    bugtraq = texts(entry, "BUGTRAQ_ID_LIST/BUGTRAQ_ID/ID")
    if bugtraq:
        fields.append(("Bugtraq IDs", ", ".join(_ids.unique(bugtraq))))
    exploits = []
    for source in entry.iterfind("CORRELATION/EXPLOITABILITY/EXPLT_SRC"):
        name = child_text(source, "SRC_NAME")
        for explt in source.iterfind("EXPLT_LIST/EXPLT"):
            line = " - ".join(p for p in (child_text(explt, "DESC"), child_text(explt, "LINK")) if p)
            exploits.append(f"{name}: {line}" if name else line)
    if exploits:
        fields.append(("Exploitability", "\n".join(exploits)))
    malware = []
    for source in entry.iterfind("CORRELATION/MALWARE/MW_SRC"):
        name = child_text(source, "SRC_NAME")
        for info in source.iterfind("MW_LIST/MW_INFO"):
            parts = [child_text(info, tag) for tag in ("MW_ID", "MW_TYPE", "MW_PLATFORM", "MW_ALIAS", "MW_RATING")]
            line = ", ".join(p for p in parts if p)
            link = child_text(info, "MW_LINK")
            line = f"{line} - {link}" if link else line
            malware.append(f"{name}: {line}" if name else line)
    if malware:
        fields.append(("Associated Malware", "\n".join(malware)))
    compliance = []
    for comp in entry.iterfind("COMPLIANCE/COMPLIANCE_INFO"):
        head = " ".join(p for p in (child_text(comp, "COMPLIANCE_TYPE"), child_text(comp, "COMPLIANCE_SECTION")) if p)
        desc = kb_text(child_text(comp, "COMPLIANCE_DESCRIPTION"))
        compliance.append(f"{head}: {desc}" if head and desc else head or desc)
    if compliance:
        fields.append(("Compliance", "\n".join(compliance)))
    return fields


def kb_definition(
    entry: etree._Element, *, qid: str, level: str, category: str, cve_attr: str = ""
) -> FindingDefinition:
    """A QID's definition from a knowledge-base block (<VULN_DETAILS> or a <SCAN> item)."""
    description = _text.join_paragraphs(
        kb_text(child_text(entry, "THREAT") or child_text(entry, "DIAGNOSIS")),
        kb_text(child_text(entry, "THREAT_COMMENT") or child_text(entry, "DIAGNOSIS_COMMENT")),
        kb_text(child_text(entry, "IMPACT") or child_text(entry, "CONSEQUENCE")),
        kb_text(child_text(entry, "IMPACT_COMMENT") or child_text(entry, "CONSEQUENCE_COMMENT")),
    )
    recommendations = _text.join_paragraphs(
        kb_text(child_text(entry, "SOLUTION")),
        kb_text(child_text(entry, "SOLUTION_COMMENT")),
    )
    scores, leftovers = _qualys.scores_and_leftovers(
        (
            (
                "CVSS2",
                "CVSS Base Score",
                child_text(entry, "CVSS_SCORE/CVSS_BASE") or child_text(entry, "CVSS_BASE"),
            ),
            (
                "CVSS3",
                "CVSSv3 Base Score",
                child_text(entry, "CVSS3_SCORE/CVSS3_BASE") or child_text(entry, "CVSS3_BASE"),
            ),
        )
    )
    fields: list[tuple[str, str]] = [("Category", category)] if category else []
    for label, path, flat in (
        ("CVSS Temporal Score", "CVSS_SCORE/CVSS_TEMPORAL", "CVSS_TEMPORAL"),
        ("CVSSv3 Temporal Score", "CVSS3_SCORE/CVSS3_TEMPORAL", "CVSS3_TEMPORAL"),
    ):
        temporal = _qualys.value(child_text(entry, path) or child_text(entry, flat))
        if temporal:
            fields.append((label, temporal))
    fields += leftovers
    fields += kb_fields(entry)
    return records.definition(
        qid=qid,
        title=_text.clean(child_text(entry, "TITLE")).replace("\n", " "),
        level=level,
        description=description,
        recommendations=recommendations,
        references=kb_references(entry),
        cves=kb_cves(entry, cve_attr),
        scores=tuple(scores),
        fields=tuple(fields),
    )
