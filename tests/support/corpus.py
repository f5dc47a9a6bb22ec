"""Which scanlift source reads each folder of ../shared/corpus, and which files must fail."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

#: Corpus folder -> the PlexTrac source id a user would pick for its files.
FOLDER_SOURCES = {
    "acunetix": "acunetix",
    "appscan": "hclappscan",
    "burp": "burp",
    "burp_api": "burp",
    "burp_dastardly": "burp",
    "burp_graphql": "burp",
    "burp_suite_dast": "burphtml",
    "checkmarx": "checkmarx",
    "coreimpact": "coreimpact",
    "hcl_asoc_sast": "hclappscan",
    "ibm_app": "hclappscan",
    "invicti": "invicti",
    "nessus": "nessus",
    "nessus_was": "nessus",
    "netsparker": "netsparker",
    "nexpose": "nexpose",
    "nipper": "nipper",
    "nmap": "nmap",
    "openvas": "openvas",
    "qualys": "qualys",
    "qualys_hacker_guardian": "qualys",
    "qualys_infrascan_webgui": "qualys",
    "qualys_vmdr": "qualys",
    "qualys_webapp": "qualys",
    "veracode": "veracode",
    "zap": "owaspzap",
}

#: Other products' exports that no PlexTrac source covers: refused with a clear error.
OTHER_PRODUCTS = {
    "checkmarx_cxflow_sast": "checkmarx",
    "checkmarx_one": "checkmarx",
    "checkmarx_osa": "checkmarx",
    "veracode_sca": "veracode",
}

#: Files that are meant to fail, with a phrase of the expected error.
EXPECTED_ERRORS = {
    "burp_graphql/null_title.json": "has no issue name",
    "netsparker/dradis_example.xml": "not well-formed",
}

#: Empty exports that carry no vendor mark: detection must refuse them, naming both candidates.
AMBIGUOUS = {
    "acunetix/acunetix360_zero_finding.json": {"acunetix", "invicti"},
    "invicti/invicti_zero_finding.json": {"acunetix", "invicti"},
    "netsparker/netsparker_zero_finding.json": {"acunetix", "invicti"},
}

#: PlexTrac lists these ids separately; scanlift reads both formats with one parser.
ALIASES = {"netsparker": "invicti"}


def corpus_files(corpus: Path, folders: dict[str, str]) -> list[str]:
    return sorted(
        f"{folder}/{path.name}"
        for folder in folders
        for path in (corpus / folder).iterdir()
        if path.is_file() and path.name not in ("README.md", "NOTES.md")
    )


def cves_an_import_must_keep(path: Path) -> set[str]:
    """Every CVE in the file, except those only in knowledge-base entries that no finding uses.

    Nexpose and Qualys append a knowledge base (vulnerability definitions, the glossary) that can
    describe vulnerabilities found on no host, and Nexpose records the checks a host passed
    ("this node is not vulnerable"); neither is a finding, so their CVEs have nowhere to go.
    Everything else in the file must survive the import.
    """
    from lxml import etree

    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".xml" and ("<NexposeReport" in text[:4096] or "<ASSET_DATA_REPORT" in text[:4096]):
        tree = etree.parse(str(path))
        for entry in _unused_knowledge(tree):
            entry.getparent().remove(entry)
        text = etree.tostring(tree, encoding="unicode")
    return {c.upper() for c in _CVE.findall(text)}


_CVE = re.compile(r"CVE-\d{4}-\d{4,}", re.IGNORECASE)


def _unused_knowledge(tree: Any) -> list[Any]:
    root = tree.getroot()
    if root.tag == "NexposeReport":
        passed = [t for t in root.iter("test") if not t.get("status", "").startswith("vulnerable")]
        used = {t.get("id", "").lower() for t in root.iter("test") if t not in passed}
        return passed + [v for v in root.iter("vulnerability") if v.get("id", "").lower() not in used]
    used = {(q.text or "").strip() for info in root.iter("VULN_INFO") for q in info.iter("QID")}
    return [d for d in root.iter("VULN_DETAILS") if (d.findtext("QID") or "").strip() not in used]
