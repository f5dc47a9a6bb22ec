"""Checkmarx SAST (CxSAST / CxSAST-on-prem) XML reports: ``<CxXMLResults>``.

Mapping (PlexTrac's published Checkmarx page, followed as written; see docs/sources.md (checkmarx)):
``flaw_id`` is the ``Query@id``; the title is ``Query@name`` with underscores turned into spaces;
severity is ``Query@Severity`` (High/Medium/Low/Information, "Information" becoming
Informational); the reference is the ``Query@cweId`` (as a CWE link, and as the finding's CWE);
recommendations are the ``Result@DeepLink``; the description is PlexTrac's fixed sentence; tags are
``Query@categories`` split on ``;`` plus ``Query@group``. Each ``<Result>`` is one sighting on the
asset named by its ``FileName`` (the scanned source file, as PlexTrac names it), at
``file:line``. Evidence is the result's data-flow path: every ``PathNode`` as
``file:line:column name`` followed by its snippet lines, verbatim.

Results that Checkmarx users marked false positive / not exploitable are kept: the state goes to
the "Result State" and "False Positive" fields and to the evidence caption. PlexTrac joins the
DeepLinks of all results of a query; a streaming parser yields one sighting per result, so each
sighting carries its own DeepLink and the merger combines them.

Streaming: ``<Result>`` elements are read one by one (their ``<Query>`` parent is still open and
already carries its attributes) and freed after use.

The Checkmarx scan report JSON (top-level ``reportId``, ``reportHeader``, ``scanResults`` with
sast/sca/kics sections) is read by ``checkmarx_json`` with the same mapping; the format is chosen
from the first bytes. Other Checkmarx JSON exports (Checkmarx One results/vulnerability exports and
improved scan report, CxOSA, CxFlow) are refused by name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.xml import iter_elements
from scanlift.parsers.base import (
    Evidence,
    ScanFinding,
    ScanRecord,
    Severity,
    Sniff,
    Upload,
)
from scanlift.parsers.checkmarx import json as checkmarx_json
from scanlift.parsers.checkmarx import json_findings

ROOT = "CxXMLResults"
SOURCE = "checkmarx"

#: PlexTrac's hard-coded description for every Checkmarx finding.
DESCRIPTION = json_findings.DESCRIPTION

#: ``Result@state`` codes of CxSAST (custom states on 9.x keep their number).
STATES = {
    "0": "To Verify",
    "1": "Not Exploitable",
    "2": "Confirmed",
    "3": "Urgent",
    "4": "Proposed Not Exploitable",
}

#: ``Result`` attributes kept as fields, with their labels.
_RESULT_FIELDS = (
    ("Status", "Result Status"),
    ("Remark", "Remark"),
    ("AssignToUser", "Assigned To"),
    ("DetectionDate", "Detection Date"),
)


class CheckmarxParser:
    source: ClassVar[str] = SOURCE
    label: ClassVar[str] = "Checkmarx"

    def sniff(self, head: Sniff) -> bool:
        if head.xml_root is not None:
            return head.root_name == ROOT
        return checkmarx_json.looks_like(head.head)

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        if upload.head.kind == "json":
            yield from checkmarx_json.iter_findings(upload.head.head, upload.stream)
            return
        for result in iter_elements(upload.stream, source=SOURCE, roots=(ROOT,), tags=("Result",), head=upload.head):
            query = result.getparent()
            if query is None:
                continue
            root = query.getparent()
            project = (root.get("ProjectName") or "") if root is not None else ""
            yield _finding(query, result, project)


def _finding(query: etree._Element, result: etree._Element, project: str) -> ScanFinding:
    query_id = (query.get("id") or "").strip()
    name = (query.get("name") or "").strip()
    title = name.replace("_", " ") or f"Checkmarx query {query_id}"
    cwe = _ids.parse_cwe(query.get("cweId"))
    cwes = (cwe,) if cwe else ()
    paths = list(result.iterfind("Path"))
    file_name = (result.get("FileName") or "").strip() or _first_node_file(paths)
    line = (result.get("Line") or "").strip()
    state = _state(result)
    false_positive = (result.get("FalsePositive") or "").strip()
    flagged = false_positive.lower() == "true" or state in ("Not Exploitable", "Proposed Not Exploitable")

    query_severity = (query.get("Severity") or "").strip()
    result_severity = (result.get("Severity") or "").strip()
    severity = (
        _severity.from_label(query_severity)
        or _severity.from_label(result_severity)
        or _severity.from_scale(query.get("SeverityIndex"), _severity.ZERO_TO_FOUR)
        or Severity.INFORMATIONAL
    )

    fields = [
        ("Language", query.get("Language") or ""),
        ("Query Path", query.get("QueryPath") or ""),
        ("Project", project),
        ("Result State", state),
        ("False Positive", false_positive),
    ]
    fields += [(label, (result.get(attribute) or "").strip()) for attribute, label in _RESULT_FIELDS]
    if result_severity and result_severity != query_severity:
        fields.append(("Result Severity", result_severity))
    if not query_severity and not result_severity:
        fields.append(("Checkmarx Severity", "(missing)"))

    deep_link = (result.get("DeepLink") or "").strip()
    tags = [*(query.get("categories") or "").split(";"), query.get("group") or ""]
    return ScanFinding(
        flaw_id=query_id or _ids.title_flaw_id(title),
        title=title,
        severity=severity,
        description=DESCRIPTION,
        recommendations=deep_link,
        references=(f"https://cwe.mitre.org/data/definitions/{cwe}.html",) if cwe else (),
        cwes=cwes,
        tags=_ids.unique(tags),
        fields=tuple((label, value) for label, value in fields if value),
        asset=file_name or None,
        location_url=f"{file_name}:{line}" if file_name and line else file_name,
        evidence=tuple(e for path in paths if (e := _path_evidence(path, state, flagged)) is not None),
    )


def _state(result: etree._Element) -> str:
    code = (result.get("state") or "").strip()
    return STATES.get(code, f"state {code}" if code else "")


def _first_node_file(paths: list[etree._Element]) -> str:
    for path in paths:
        for node in path.iterfind("PathNode"):
            name = _child(node, "FileName")
            if name:
                return name
    return ""


def _path_evidence(path: etree._Element, state: str, flagged: bool) -> Evidence | None:
    nodes = list(path.iterfind("PathNode"))
    if not nodes:
        return None
    lines = []
    for index, node in enumerate(nodes, start=1):
        where = ":".join(p for p in (_child(node, "FileName"), _child(node, "Line"), _child(node, "Column")) if p)
        name = _child(node, "Name")
        lines.append(f"{index}. {where}  {name}".rstrip())
        for snippet_line in node.iterfind("Snippet/Line"):
            number = _child(snippet_line, "Number")
            code_element = snippet_line.find("Code")
            code = (code_element.text or "") if code_element is not None else ""
            lines.append(f"    {number}: {code}".rstrip())
    first, last = nodes[0], nodes[-1]
    caption = f"Data flow, path {path.get('PathId') or '?'}: {_node_place(first)} -> {_node_place(last)}"
    if flagged:
        caption += f" (marked false positive in Checkmarx; state: {state or 'not stated'})"
    return Evidence(caption=caption, code=_text.clean("\n".join(lines)))


def _node_place(node: etree._Element) -> str:
    return ":".join(p for p in (_child(node, "FileName"), _child(node, "Line")) if p) or "?"


def _child(element: etree._Element, tag: str) -> str:
    child = element.find(tag)
    return (child.text or "").strip() if child is not None else ""
