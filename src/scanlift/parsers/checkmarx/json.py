"""Checkmarx scan report JSON (Checkmarx One / AST report service), read for the ``checkmarx`` source.

The document (see docs/sources.md (checkmarx)) is ``{"reportId", "reportHeader", "executiveSummary",
"scanSummary", "scanResults"}``; ``scanResults`` holds one section per engine:

- ``sast.languages[].queries[].vulnerabilities[]``: one data-flow result of a query, with ``nodes``;
- ``sca.packages[].vulnerabilities[]``: one vulnerability (CVE or Checkmarx ``Cx…`` id) of a package;
- ``kics.results[].vulnerabilities[]``: one infrastructure-as-code result, grouped by platform.

Mapping, kept consistent with the CxSAST XML mapping in ``checkmarx.py``: each vulnerability is one
sighting. SAST: ``flaw_id`` is the ``queryId`` (the XML's ``Query@id``), or, when the export leaves
it empty as real exports do, the title hash the XML uses for a query without id; title is
``queryName`` with ``_`` turned into spaces; the asset is the first node's file (the XML's
``Result@FileName``) and ``location_url`` its ``file:line``; evidence is the node path; tags are the
``compliance`` list plus ``groupName`` (the XML's categories plus group). SCA: ``flaw_id`` and title
are the package vulnerability id (``cveId``); the asset is the package (``name``, e.g.
``Npm-jquery-2.1.4``). KICS: ``flaw_id`` is the query id when present, else the title hash of
``queryName``; the asset is ``fileName``. States are written as the XML parser writes them, and
results marked not exploitable are kept and flagged, as for XML.

Streaming: the items sit three levels deep and need their parents' names (language, query,
package, platform), which one ``ijson.items`` prefix cannot give; this module walks ijson's event
stream, remembers the scalar members of the open parents, and builds one vulnerability object at a
time. If a parent's name only comes after its vulnerabilities (no known exporter does that), the
vulnerabilities wait until the name arrives or the parent ends. Numbers are read without
``use_float``: the yajl backend overflows on integers beyond 64 bits under ``use_float=True``
(Checkmarx One writes 64-bit unsigned query ids), while the default mode returns them exactly.
"""

from __future__ import annotations

import codecs
from collections import deque
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, BinaryIO

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import json as _json
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.json import build_value, json_events, value_text
from scanlift.parsers.base import Evidence, InvalidFile, ScanFinding, Score, Severity

SOURCE = "checkmarx"

#: PlexTrac's hard-coded description for every Checkmarx finding (SAST, XML and JSON alike).
DESCRIPTION = "This was identified via Checkmarx scanner, please view affected assets for more details."

#: What this module reads, for messages.
EXPECTED = (
    "expected the CxSAST XML report (<CxXMLResults>) or the Checkmarx scan report JSON "
    "(top-level reportId, reportHeader, scanResults)"
)

#: Result states as the XML parser names them, keyed by their lower-case spelling with spaces.
STATE_NAMES: Mapping[str, str] = {
    "to verify": "To Verify",
    "not exploitable": "Not Exploitable",
    "confirmed": "Confirmed",
    "urgent": "Urgent",
    "proposed not exploitable": "Proposed Not Exploitable",
}

_FLAGGED_STATES = frozenset({"Not Exploitable", "Proposed Not Exploitable"})

_SAST_LANGUAGE = "scanResults.sast.languages.item"
_SAST_QUERY = f"{_SAST_LANGUAGE}.queries.item"
_SAST_VULNERABILITY = f"{_SAST_QUERY}.vulnerabilities.item"
_SCA_PACKAGE = "scanResults.sca.packages.item"
_SCA_VULNERABILITY = f"{_SCA_PACKAGE}.vulnerabilities.item"
_KICS_GROUP = "scanResults.kics.results.item"
_KICS_VULNERABILITY = f"{_KICS_GROUP}.vulnerabilities.item"

#: Parent objects of the vulnerabilities, with the members their vulnerabilities need.
_PARENTS: Mapping[str, frozenset[str]] = {
    _SAST_LANGUAGE: frozenset({"languageName"}),
    _SAST_QUERY: frozenset({"queryName", "queryId", "description"}),
    _SCA_PACKAGE: frozenset({"name"}),
    _KICS_GROUP: frozenset({"name"}),
}

#: Vulnerability prefix -> (engine, parent prefixes from the outermost).
_VULNERABILITIES: Mapping[str, tuple[str, tuple[str, ...]]] = {
    _SAST_VULNERABILITY: ("SAST", (_SAST_LANGUAGE, _SAST_QUERY)),
    _SCA_VULNERABILITY: ("SCA", (_SCA_PACKAGE,)),
    _KICS_VULNERABILITY: ("KICS", (_KICS_GROUP,)),
}

#: Report-level scalars kept as fields of every finding.
_REPORT_FIELDS: Mapping[str, str] = {
    "reportHeader.projectName": "project",
    "executiveSummary.projectName": "summary_project",
    "executiveSummary.branchName": "branch",
}

#: ``scanResults`` members: the engine sections read here, and summaries without results.
_SECTIONS = frozenset({"sast", "sca", "kics", "categories"})

#: Top-level keys of other Checkmarx exports, each with the name used in the refusal.
_OTHER_EXPORTS: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"xissues", "unFilteredIssues"}), "a CxFlow JSON report"),
    (
        frozenset({"reportType", "reportCreationDate", "scanInformation", "iacScanResults", "scaScanResults"}),
        "a Checkmarx One improved scan report JSON",
    ),
    (frozenset({"totalCount", "scanID"}), "a Checkmarx One results API export"),
    (frozenset({"scan", "schema"}), "a Checkmarx One vulnerabilities export"),
)
_OTHER_KEYS = frozenset().union(*(keys for keys, _ in _OTHER_EXPORTS))
_REQUIRED_KEYS = frozenset({"reportId", "reportHeader"})
_SUMMARY_KEYS = frozenset({"executiveSummary", "scanSummary", "scanResults"})

_SCALARS = frozenset({"string", "number", "boolean", "null"})


def looks_like(head: bytes) -> bool:
    """Whether the first bytes are a Checkmarx scan report JSON (and not another Checkmarx export)."""
    keys = _json.top_level_keys(head)
    return keys is not None and keys >= _REQUIRED_KEYS and bool(keys & _SUMMARY_KEYS) and not keys & _OTHER_KEYS


def is_json(head: bytes) -> bool:
    return head.lstrip(codecs.BOM_UTF8).lstrip().startswith((b"{", b"["))


def iter_findings(head: bytes, stream: BinaryIO) -> Iterator[ScanFinding]:
    """Findings of the report whose first bytes are ``head``, read from ``stream`` (the whole file)."""
    _refuse_other_exports(head.removeprefix(codecs.BOM_UTF8))
    yield from _walk(stream)


def _refuse_other_exports(head: bytes) -> None:
    if _json.top_level_is_array(head):
        data = head.lstrip()[1:].lstrip()
        kind = "a CxOSA JSON report ([libraries, vulnerabilities])" if data.startswith(b"[") else "a JSON array"
        raise InvalidFile(SOURCE, f"found {kind}; {EXPECTED}")
    keys = _json.top_level_keys(head) or set()
    _refuse_keys(keys)
    if keys and not keys & (_REQUIRED_KEYS | {"scanResults"}):
        raise InvalidFile(SOURCE, f"top-level keys are {_show_keys(keys)}; {EXPECTED}")


def _refuse_keys(keys: Collection[str]) -> None:
    for markers, name in _OTHER_EXPORTS:
        if markers.intersection(keys):
            raise InvalidFile(SOURCE, f"found {name} (top-level keys {_show_keys(keys)}); {EXPECTED}")


def _show_keys(keys: Collection[str]) -> str:
    shown = list(keys) if isinstance(keys, list) else sorted(keys)
    if not shown:
        return "none"
    return ", ".join(shown[:15]) + (", …" if len(shown) > 15 else "")


@dataclass(slots=True)
class _Parent:
    """The scalar members of an open parent object (language, query, package, KICS platform)."""

    wanted: frozenset[str]
    values: dict[str, Any] = field(default_factory=dict)
    closed: bool = False

    @property
    def ready(self) -> bool:
        return self.closed or self.wanted <= self.values.keys()


@dataclass(slots=True)
class _Report:
    project: str = ""
    summary_project: str = ""
    branch: str = ""


_Pending = tuple[str, Any, tuple[_Parent, ...]]


def _walk(stream: BinaryIO) -> Iterator[ScanFinding]:
    # Exact numbers: yajl's float mode overflows on the ids beyond 64 bits that these exports hold.
    events = json_events(stream, source=SOURCE, floats=False)
    top_keys: list[str] = []
    report = _Report()
    parents: dict[str, _Parent] = {}
    pending: deque[_Pending] = deque()
    for prefix, event, value in events:
        if prefix == "":
            if event == "map_key":
                top_keys.append(str(value))
                if top_keys[-1] in _OTHER_KEYS:
                    _refuse_keys(top_keys)
            elif event not in ("start_map", "end_map"):
                kind = "an array" if event == "start_array" else f"a bare {event}"
                raise InvalidFile(SOURCE, f"the JSON document is {kind}; {EXPECTED}")
            continue
        vulnerability = _VULNERABILITIES.get(prefix)
        if vulnerability is not None:
            engine, owners = vulnerability
            if event == "start_map":
                pending.append((engine, build_value(events, event, value), tuple(parents[o] for o in owners)))
                yield from _flush(pending, report)
            elif event in _SCALARS or event == "start_array":
                kind = "an array" if event == "start_array" else f"a {event}"
                raise InvalidFile(SOURCE, f"a {engine} vulnerability at {prefix} is {kind}, not an object")
            continue
        wanted = _PARENTS.get(prefix)
        if wanted is not None:
            if event == "start_map":
                parents[prefix] = _Parent(wanted)
            elif event == "end_map":
                parents.pop(prefix).closed = True
                yield from _flush(pending, report)
            continue
        if prefix.startswith("scanResults."):
            _check_section(prefix, event)
        if event in _SCALARS:
            parent, _, key = prefix.rpartition(".")
            owner = parents.get(parent)
            if owner is not None:
                owner.values[key] = value
            elif prefix in _REPORT_FIELDS:
                setattr(report, _REPORT_FIELDS[prefix], value_text(value).strip())
    yield from _flush(pending, report)
    if "scanResults" not in top_keys or not _REQUIRED_KEYS & set(top_keys):
        raise InvalidFile(SOURCE, f"top-level keys are {_show_keys(top_keys)}; {EXPECTED}")


def _check_section(prefix: str, event: str) -> None:
    """Refuse results in a ``scanResults`` section this parser does not read rather than drop them."""
    section = prefix.split(".", 2)[1]
    if section in _SECTIONS:
        return
    if prefix.count(".") > 1 or event in ("map_key", "string", "number", "boolean"):
        raise InvalidFile(
            SOURCE,
            f"scanResults.{section} holds results of an engine this parser does not read "
            f"(it reads {', '.join(sorted(_SECTIONS - {'categories'}))}); refusing rather than dropping them",
        )


def _flush(pending: deque[_Pending], report: _Report) -> Iterator[ScanFinding]:
    """Yield the waiting vulnerabilities, in file order, whose parents are known."""
    while pending and all(parent.ready for parent in pending[0][2]):
        engine, raw, owners = pending.popleft()
        if engine == "SAST":
            yield _sast(raw, owners[0].values, owners[1].values, report)
        elif engine == "SCA":
            yield _sca(raw, owners[0].values, report)
        else:
            yield _kics(raw, owners[0].values, report)


# --- mapping -------------------------------------------------------------------------------------


def _sast(
    raw: Mapping[str, Any], language: Mapping[str, Any], query: Mapping[str, Any], report: _Report
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


def _sca(raw: Mapping[str, Any], package: Mapping[str, Any], report: _Report) -> ScanFinding:
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


def _kics(raw: Mapping[str, Any], group: Mapping[str, Any], report: _Report) -> ScanFinding:
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


def _report_fields(report: _Report) -> list[tuple[str, str]]:
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
