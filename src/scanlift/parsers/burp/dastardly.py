"""Burp Dastardly (the free CI scanner) JUnit XML: ``<testsuites>`` of ``<testsuite>`` per URL.

A ``<testcase>`` with a ``<failure>`` is one issue; the other test cases ("No issues were
identified") are not findings. The failure's text is Burp's issue rendered as plain text: header
lines (Severity, Confidence, Host, Path), then titled sections (Issue Detail, Issue Background,
Remediation…, Evidence, References, Vulnerability Classifications). Dastardly writes no issue
type id, so the flaw_id is the title hash. The evidence section (request and response, already
decoded) is kept verbatim. The vulnerable parameter is read from the detail's standard first
sentence ("The value of the searchTerm request parameter is copied…").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.xml import iter_elements
from scanlift.parsers.base import Evidence, InvalidFile, ScanRecord, Upload
from scanlift.parsers.burp.common import AssetTracker, BurpIssue, parse_origin, records, require_title

SOURCE = "burp"
ROOTS = ("testsuites",)
MARKER = "dastardly"

#: Sections before the evidence, in the order Dastardly writes them.
_HEADINGS = (
    "Issue Detail",
    "Issue Background",
    "Issue Remediation",
    "Remediation Detail",
    "Remediation Background",
    "Evidence",
)
_HEADER_RE = re.compile(r"^(Severity|Confidence|Host|Path):\s*(.*)$")
_PARAMETER_RE = re.compile(r"^The value of (?:the )?(.{1,100}?) is (?:copied|echoed|reflected|used|submitted)")
_LINK_RE = re.compile(r"\((https?://[^()\s]+)\)\s*$")


def is_dastardly(name: str | None) -> bool:
    return MARKER in (name or "").lower()


def parse(upload: Upload) -> Iterator[ScanRecord]:
    assets = AssetTracker()
    checked = False
    cases = iter_elements(
        upload.stream, head=upload.head, source=SOURCE, roots=ROOTS, tags=("testcase",), discard=("testsuite",)
    )
    for case in cases:
        if not checked:
            root_name = case.getroottree().getroot().get("name")
            if not is_dastardly(root_name):
                raise InvalidFile(
                    SOURCE,
                    f"a JUnit <testsuites> report named {root_name!r}, not a Burp Dastardly report",
                )
            checked = True
        for failure in case.iterchildren("failure"):
            yield from records(_issue(case, failure), assets)


def _issue(case: etree._Element, failure: etree._Element) -> BurpIssue:
    suite = case.getparent()
    suite_url = (suite.get("name") if suite is not None else None) or ""
    header, sections, tail = split_report(failure.text or "")
    host = header.get("Host", "")
    origin = host
    suite_target, host_target = parse_origin(suite_url), parse_origin(host)
    if suite_target and (host_target is None or host_target.host == suite_target.host):
        origin = suite_target.origin
    path = header.get("Path", "")
    detail = sections.get("Issue Detail", "")
    parameter = _PARAMETER_RE.match(detail)
    title = case.get("name") or (failure.get("message") or "").split(" found at ", 1)[0]
    issue = BurpIssue(
        title=require_title(SOURCE, title, "", f"<testcase> in test suite {suite_url!r}"),
        severity=header.get("Severity") or failure.get("type") or "",
        confidence=header.get("Confidence", ""),
        origin=origin,
        path=path,
        location=f"{path} [{parameter.group(1)}]" if parameter else path,
        background=sections.get("Issue Background", ""),
        detail=detail,
        remediation_background=sections.get("Issue Remediation") or sections.get("Remediation Background", ""),
        remediation_detail=sections.get("Remediation Detail", ""),
        references=tuple(_link_or_text(line) for line in _bullets(tail.get("References", ""))),
        classifications="\n".join(
            _LINK_RE.sub("", line).strip() for line in _bullets(tail.get("Vulnerability Classifications", ""))
        ),
    )
    if suite_url:
        issue.fields.append(("Dastardly Test Suite", suite_url))
    evidence = sections.get("Evidence", "")
    if evidence.strip():
        issue.evidence.append(Evidence(caption="Request/response 1", code=evidence.strip("\n")))
    return issue


def split_report(text: str) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Header fields, sections up to and including Evidence, and the trailing sections."""
    text = text.replace("\r\n", "\n")
    footer = text.rfind("\nReported by Dastardly")
    if footer >= 0:
        text = text[:footer]
    tail: dict[str, str] = {}
    evidence_at = _line_index(text, "Evidence")
    for heading in ("Vulnerability Classifications", "References"):
        at = text.rfind(f"\n{heading}\n")
        if at >= 0 and at > evidence_at:
            tail[heading] = _text.clean(text[at + len(heading) + 2 :])
            text = text[:at]
    header: dict[str, str] = {}
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    order = 0
    for line in text.split("\n"):
        stripped = line.strip()
        in_evidence = current is not None and current is sections.get("Evidence")
        if not in_evidence and stripped in _HEADINGS[order:]:
            order = _HEADINGS.index(stripped) + 1
            current = sections.setdefault(stripped, [])
            continue
        if current is None:
            match = _HEADER_RE.match(stripped)
            if match:
                header[match.group(1)] = match.group(2).strip()
            continue
        current.append(line)
    texts = {
        name: (_text.clean("\n".join(lines)) if name != "Evidence" else "\n".join(lines))
        for name, lines in sections.items()
    }
    return header, texts, tail


def _line_index(text: str, heading: str) -> int:
    at = text.find(f"\n{heading}\n")
    return at if at >= 0 else -1


def _bullets(text: str) -> list[str]:
    return [line.strip().removeprefix("- ").strip() for line in text.split("\n") if line.strip().strip("-")]


def _link_or_text(line: str) -> str:
    match = _LINK_RE.search(line)
    return match.group(1) if match else line
