"""Veracode Findings API: one SCA (software composition) finding, per vulnerable library."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers.base import (
    Evidence,
    ScanFinding,
    Score,
    Severity,
)
from scanlift.parsers.veracode.json_values import (
    as_list,
    as_object,
    int_text,
    status_fields,
    text_of,
)

_ARCHIVES = (".tar.gz", ".tgz", ".jar", ".war", ".ear", ".aar", ".zip", ".whl", ".egg", ".gem", ".nupkg", ".dll")


# ---------------------------------------------------------------------------------------------
# Software composition analysis


def sca_finding(item: Mapping[str, Any], application: str) -> ScanFinding:
    details = as_object(item.get("finding_details"))
    cve = as_object(details.get("cve"))
    cvss3 = as_object(cve.get("cvss3"))
    name = text_of(cve.get("name"))
    filename = text_of(details.get("component_filename"))
    version = text_of(details.get("version"))
    library = _library(filename, version) or "component"
    title = f"{name} in {library}" if name else f"Vulnerable component: {library}"
    summary = _text.clean(text_of(item.get("description")))
    paths = list(_ids.unique(text_of(as_object(p).get("path")) for p in as_list(details.get("component_path"))))
    cweid = _ids.parse_cwe(text_of(as_object(details.get("cwe")).get("id")))
    licenses = ", ".join(
        text_of(lic.get("license_id"))
        + (f" (risk rating {text_of(lic.get('risk_rating'))})" if lic.get("risk_rating") else "")
        for lic in map(as_object, as_list(details.get("licenses")))
        if lic.get("license_id")
    )
    metadata = as_object(details.get("metadata"))
    metadata_labels = {"sca_scan_mode": "SCA Scan Mode", "sca_dep_mode": "SCA Dependency Mode"}

    fields = [
        ("Library", library),
        ("Library Version", version),
        ("Component File", filename),
        ("Component ID", text_of(details.get("component_id"))),
        ("Product ID", text_of(details.get("product_id"))),
        ("Language", text_of(details.get("language"))),
        ("Licenses", licenses),
        *((metadata_labels.get(key, key), text_of(value)) for key, value in metadata.items()),
        *status_fields(item),
    ]
    raw_severity = details.get("severity", item.get("severity"))
    severity = _severity.from_scale(int_text(raw_severity), _severity.ZERO_TO_FIVE)
    if severity is None:
        fields.append(("Veracode Severity", text_of(raw_severity) or "(missing)"))
        severity = _severity.from_cvss(text_of(cvss3.get("score"))) or _severity.from_label(
            text_of(cve.get("severity"))
        )

    evidence_rows = [
        ("Component file", filename),
        ("Library", f"{library} {version}".strip()),
        ("Language", text_of(details.get("language"))),
        ("Component ID", text_of(details.get("component_id"))),
    ]
    evidence = [f"{label}: {value}" for label, value in evidence_rows if value]
    if paths:
        evidence += ["File paths:", *(f"  {p}" for p in paths)]
    href = text_of(cve.get("href"))
    cves = _ids.find_cves(name, summary, href)
    fix = name or "this vulnerability"
    return ScanFinding(
        flaw_id=name or _ids.title_flaw_id(title),
        title=title,
        severity=severity or Severity.INFORMATIONAL,
        description=_text.join_paragraphs(summary, f"Component: {library} {version}".strip()),
        recommendations=(
            f"Update {library} from version {version} to a release that fixes {fix}."
            if version
            else f"Update {library} to a release that fixes {fix}."
        ),
        references=(href,) if href else ((f"https://nvd.nist.gov/vuln/detail/{name}",) if cves[:1] == (name,) else ()),
        cves=cves,
        cwes=(cweid,) if cweid is not None else (),
        scores=_scores(cve, cvss3),
        tags=("SCA",),
        fields=tuple((label, value) for label, value in fields if value),
        asset=application,
        location_url=paths[0] if paths else filename,
        evidence=(Evidence(caption="Vulnerable component", code="\n".join(evidence)),),
    )


def _library(filename: str, version: str) -> str:
    """``spring-boot-autoconfigure-2.5.14.jar`` (version 2.5.14) -> ``spring-boot-autoconfigure``."""
    name = filename
    for extension in _ARCHIVES:
        if name.lower().endswith(extension):
            name = name[: -len(extension)]
            break
    if version:
        for separator in ("-", "_", "."):
            if name.endswith(f"{separator}{version}") and len(name) > len(version) + 1:
                return name[: -len(version) - 1]
    return name


def _scores(cve: Mapping[str, Any], cvss3: Mapping[str, Any]) -> tuple[Score, ...]:
    """``cve.vector``/``cve.cvss`` are CVSS v2, ``cve.cvss3`` is CVSS v3 (the API says so)."""
    scores = []
    for default_kind, vector, score in (
        ("CVSS2", text_of(cve.get("vector")), text_of(cve.get("cvss"))),
        ("CVSS3", text_of(cvss3.get("vector")), text_of(cvss3.get("score"))),
    ):
        if vector or score:
            kind = (
                "CVSS3_1"
                if vector.startswith("CVSS:3.1/")
                else "CVSS4"
                if vector.startswith("CVSS:4")
                else default_kind
            )
            scores.append(Score(kind=kind, vector=vector, score=score))
    return tuple(scores)
