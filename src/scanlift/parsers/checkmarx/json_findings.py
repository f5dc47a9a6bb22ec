"""Checkmarx scan report JSON: one finding from a SAST, SCA or KICS result and the parents it belongs to."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.json import value_text
from scanlift.parsers.base import Evidence, ScanFinding, Score, Severity

#: PlexTrac's hard-coded description for every Checkmarx finding (SAST, XML and JSON alike).
DESCRIPTION = "This was identified via Checkmarx scanner, please view affected assets for more details."

#: Result states as the XML parser names them, keyed by their lower-case spelling with spaces.
STATE_NAMES: Mapping[str, str] = {
    "to verify": "To Verify",
    "not exploitable": "Not Exploitable",
    "confirmed": "Confirmed",
    "urgent": "Urgent",
    "proposed not exploitable": "Proposed Not Exploitable",
}

_FLAGGED_STATES = frozenset({"Not Exploitable", "Proposed Not Exploitable"})


# --- mapping -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Report:
    project: str = ""
    summary_project: str = ""
    branch: str = ""


def sast_finding(
    raw: Mapping[str, Any], language: Mapping[str, Any], query: Mapping[str, Any], report: Report
) -> ScanFinding:
    query_id = value_text(query.get("queryId")).strip()
    name = value_text(query.get("queryName")).strip()
    title = name.replace("_", " ") or (f"Checkmarx query {query_id}" if query_id else "Checkmarx SAST result")
    nodes = [node for node in _list_of(raw.get("nodes")) if isinstance(node, Mapping)]
    first: Mapping[str, Any] = nodes[0] if nodes else {}
    file_name = value_text(first.get("fileName")).strip()
    line = value_text(first.get("line")).strip()
    state = _state(raw.get("state"))
    severity, severity_fields = _severity_of(raw.get("severity"))
    cwes = _cwes(raw.get("cweId"))
    fields = [
        ("Engine", "SAST"),
        ("Language", value_text(language.get("languageName"))),
        *_report_fields(report),
        *_state_fields(raw, state),
        ("Confidence Level", value_text(raw.get("confidenceLevel"))),
        *_date_fields(raw),
        *_id_fields(raw),
        *severity_fields,
    ]
    description = value_text(query.get("description"))
    return ScanFinding(
        flaw_id=query_id or _ids.title_flaw_id(title),
        title=title,
        severity=severity,
        description=_text.join_paragraphs(DESCRIPTION, description),
        references=_cwe_links(cwes),
        cves=_ids.find_cves(*_strings(raw), name, description),
        cwes=cwes,
        tags=_ids.unique([*(value_text(c) for c in _list_of(raw.get("compliance"))), value_text(raw.get("groupName"))]),
        fields=_fields(fields),
        asset=file_name or None,
        location_url=f"{file_name}:{line}" if file_name and line else file_name,
        evidence=(_path_evidence(nodes, state),) if nodes else (),
    )


def sca_finding(raw: Mapping[str, Any], package: Mapping[str, Any], report: Report) -> ScanFinding:
    cve_name = value_text(raw.get("cveName")).strip()
    similarity_id = value_text(raw.get("similarityId")).strip()
    vulnerability_id = value_text(raw.get("cveId")).strip() or cve_name or similarity_id
    title = vulnerability_id or "Checkmarx SCA vulnerability"
    package_name = value_text(package.get("name")).strip()
    version = value_text(raw.get("version")).strip()
    state = _state(raw.get("state"))
    severity, severity_fields = _severity_of(raw.get("severity"))
    cwes = _cwes(raw.get("cwe"))
    cves = _ids.find_cves(vulnerability_id, *_strings(raw))
    fields = [
        ("Engine", "SCA"),
        *_report_fields(report),
        ("Package", package_name),
        ("Package Version", version),
        ("Outdated", value_text(raw.get("outdated"))),
        ("Risk Level", value_text(raw.get("riskLevel"))),
        *_state_fields(raw, state),
        *_date_fields(raw),
        *_id_fields(raw, skip=vulnerability_id),
        *severity_fields,
    ]
    lines = [
        ("Package", package_name),
        ("Version", version),
        ("Vulnerability", vulnerability_id),
        ("Outdated", value_text(raw.get("outdated"))),
    ]
    caption = f"Vulnerable package {package_name or '(not named)'}" + _flag(state)
    return ScanFinding(
        flaw_id=vulnerability_id or _ids.title_flaw_id(title),
        title=title,
        severity=severity,
        description=_text.clean(value_text(raw.get("description"))) or DESCRIPTION,
        references=(*(f"https://nvd.nist.gov/vuln/detail/{cve}" for cve in cves), *_cwe_links(cwes)),
        cves=cves,
        cwes=cwes,
        scores=_scores(raw),
        fields=_fields(fields),
        asset=package_name or None,
        evidence=(Evidence(caption=caption, code=_labelled(lines)),),
    )


def kics_finding(raw: Mapping[str, Any], group: Mapping[str, Any], report: Report) -> ScanFinding:
    query_id = value_text(raw.get("queryId")).strip()
    name = value_text(raw.get("queryName")).strip()
    title = name or (f"KICS query {query_id}" if query_id else "Checkmarx KICS result")
    platform = value_text(group.get("name")).strip()
    file_name = value_text(raw.get("fileName")).strip()
    line = value_text(raw.get("line")).strip()
    state = _state(raw.get("state"))
    severity, severity_fields = _severity_of(raw.get("severity"))
    category = value_text(raw.get("category")).strip()
    fields = [
        ("Engine", "KICS"),
        ("Platform", platform),
        ("Category", category),
        ("Issue Type", value_text(raw.get("issueType"))),
        *_report_fields(report),
        *_state_fields(raw, state),
        *_date_fields(raw),
        *_id_fields(raw),
        *severity_fields,
    ]
    location = f"{file_name}:{line}" if file_name and line else file_name
    lines = [
        ("File", file_name),
        ("Line", line),
        ("Platform", platform),
        ("Issue type", value_text(raw.get("issueType"))),
        ("Expected", value_text(raw.get("expectedValue"))),
        ("Actual", value_text(raw.get("actualValue"))),
    ]
    caption = f"Configuration issue in {location or '(no file)'}" + _flag(state)
    cwes = _cwes(raw.get("cweId") or raw.get("cwe"))
    return ScanFinding(
        flaw_id=query_id or _ids.title_flaw_id(title),
        title=title,
        severity=severity,
        description=_text.clean(value_text(raw.get("description"))) or DESCRIPTION,
        references=_cwe_links(cwes),
        cves=_ids.find_cves(*_strings(raw)),
        cwes=cwes,
        tags=_ids.unique([category, platform]),
        fields=_fields(fields),
        asset=file_name or None,
        location_url=location,
        evidence=(Evidence(caption=caption, code=_labelled(lines)),),
    )


def _path_evidence(nodes: list[Mapping[str, Any]], state: str) -> Evidence:
    """Every node as ``N. file:line:column  name``, then its method, full name and DOM type."""
    lines = []
    for index, node in enumerate(nodes, start=1):
        where = ":".join(p for p in (value_text(node.get(k)).strip() for k in ("fileName", "line", "column")) if p)
        lines.append(f"{index}. {where}  {value_text(node.get('name'))}".rstrip())
        details = [
            f"{label}: {value}"
            for label, key in (("method", "method"), ("full name", "fullName"), ("type", "domType"))
            if (value := value_text(node.get(key)).strip())
        ]
        if details:
            lines.append("    " + ", ".join(details))
    caption = f"Data flow: {_place(nodes[0])} -> {_place(nodes[-1])}" + _flag(state)
    return Evidence(caption=caption, code=_text.clean("\n".join(lines)))


def _place(node: Mapping[str, Any]) -> str:
    return (
        ":".join(p for p in (value_text(node.get("fileName")).strip(), value_text(node.get("line")).strip()) if p)
        or "?"
    )


def _flag(state: str) -> str:
    if state in _FLAGGED_STATES:
        return f" (marked false positive in Checkmarx; state: {state})"
    return ""


def _labelled(lines: list[tuple[str, str]]) -> str:
    return "\n".join(f"{label}: {value}" for label, value in lines if value)


def _state(value: Any) -> str:
    text = value_text(value).strip()
    return STATE_NAMES.get(text.lower().replace("_", " "), text)


def _state_fields(raw: Mapping[str, Any], state: str) -> list[tuple[str, str]]:
    """As for XML: ``Result State``, ``False Positive`` (True for Not Exploitable), ``Result Status``."""
    return [
        ("Result State", state),
        ("False Positive", "True" if state == "Not Exploitable" else "False"),
        ("Result Status", value_text(raw.get("status"))),
    ]


def _severity_of(value: Any) -> tuple[Severity, list[tuple[str, str]]]:
    label = value_text(value).strip()
    severity = _severity.from_label(label)
    if severity is not None:
        return severity, []
    return Severity.INFORMATIONAL, [("Checkmarx Severity", label or "(missing)")]


def _report_fields(report: Report) -> list[tuple[str, str]]:
    return [("Project", report.project or report.summary_project), ("Branch", report.branch)]


def _date_fields(raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [("Detection Date", _date(raw.get("foundDate"))), ("First Detection Date", _date(raw.get("firstFoundDate")))]


def _id_fields(raw: Mapping[str, Any], *, skip: str = "") -> list[tuple[str, str]]:
    similarity_id = value_text(raw.get("similarityId")).strip()
    return [
        ("Result Id", value_text(raw.get("id"))),
        ("Similarity Id", similarity_id if similarity_id != skip else ""),
    ]


def _date(value: Any) -> str:
    """ISO text as written; the protobuf ``{"seconds": …}`` form as UTC ISO 8601."""
    if isinstance(value, Mapping):
        seconds = value.get("seconds")
        if isinstance(seconds, int | Decimal) and not isinstance(seconds, bool):
            try:
                return datetime.fromtimestamp(int(seconds), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            except (OverflowError, OSError, ValueError):
                return value_text(seconds)
        return ""
    return value_text(value).strip()


def _cwes(value: Any) -> tuple[int, ...]:
    """``89``, ``"89"``, ``"CWE-89"``, ``"CWE-20, CWE-295"`` or a list of those."""
    found: list[int] = []
    for item in _list_of(value):
        for token in value_text(item).replace(",", " ").replace(";", " ").split():
            cwe = _ids.parse_cwe(token)
            if cwe and cwe not in found:
                found.append(cwe)
    return tuple(found)


def _cwe_links(cwes: tuple[int, ...]) -> tuple[str, ...]:
    return tuple(f"https://cwe.mitre.org/data/definitions/{cwe}.html" for cwe in cwes)


def _scores(raw: Mapping[str, Any]) -> tuple[Score, ...]:
    """CVSS when the export carries it (the report schema has no CVSS member; read if present)."""
    vector = value_text(raw.get("cvssVector") or raw.get("vector")).strip()
    score = value_text(raw.get("cvssScore") if raw.get("cvssScore") is not None else raw.get("score")).strip()
    if not vector and not score:
        return ()
    if vector.startswith("CVSS:4"):
        kind = "CVSS4"
    elif vector.startswith("CVSS:3.1"):
        kind = "CVSS3_1"
    elif vector.startswith("CVSS:3") or (not vector and value_text(raw.get("cvssVersion")).startswith("3")):
        kind = "CVSS3"
    elif vector:
        kind = "CVSS2"
    else:
        kind = "CVSS3"
    return (Score(kind=kind, vector=vector, score=score),)


def _fields(fields: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((label, value.strip()) for label, value in fields if value and value.strip())


def _list_of(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a built JSON value (to collect CVE ids wherever the export puts them)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
