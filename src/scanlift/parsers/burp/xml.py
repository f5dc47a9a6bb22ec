"""Burp Suite "Report issues" / "Save selected issues" XML (``<issues>`` of ``<issue>``).

One sighting per ``<issue>``. The inline DTD (ELEMENT/ATTLIST declarations, no entities) is
accepted by ``iter_elements`` and never loaded, so the DTD default ``base64="false"`` is honoured
by treating a missing attribute as false. ``<request>``/``<response>`` with ``base64="true"`` are
decoded; a binary body is replaced by a one-line note. Collaborator, infiltrator and static or
dynamic analysis records become evidence too. Field mapping: see ``burp.common``.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.xml import iter_elements, local_name
from scanlift.parsers.base import Evidence, ScanRecord, Upload
from scanlift.parsers.burp import common as _burp
from scanlift.parsers.burp.messages import decode_base64_http, decode_http, pair_evidence

SOURCE = "burp"
ROOT = "issues"

#: Issue children that hold structured records kept as evidence, with their captions.
_RECORD_ELEMENTS = (
    ("collaboratorEvent", "Collaborator interaction"),
    ("infiltratorEvent", "Infiltrator event"),
    ("staticAnalysis", "Static analysis"),
    ("dynamicAnalysis", "Dynamic analysis"),
)


def parse(upload: Upload) -> Iterator[ScanRecord]:
    assets = _burp.AssetTracker()
    elements = iter_elements(upload.stream, head=upload.head, source=SOURCE, roots=(ROOT,), tags=("issue",))
    for number, element in enumerate(elements, start=1):
        yield from _burp.records(_issue(element, number), assets)


def _text_of(item: etree._Element, tag: str) -> str:
    child = item.find(tag)
    return (child.text or "").strip() if child is not None else ""


def _html_of(item: etree._Element, tag: str) -> str:
    child = item.find(tag)
    return (child.text or "") if child is not None else ""


def _issue(item: etree._Element, number: int) -> _burp.BurpIssue:
    type_id = _text_of(item, "type")
    host = item.find("host")
    detail = _text.html_to_text(_html_of(item, "issueDetail"))
    items = [(i.text or "").strip() for i in item.iterfind("issueDetailItems/issueDetailItem")]
    if any(items):
        detail = _text.join_paragraphs(detail, "\n".join(f"- {i}" for i in items if i))
    issue = _burp.BurpIssue(
        title=_burp.require_title(SOURCE, _text_of(item, "name"), type_id, f"<issue> number {number}"),
        type_id=type_id,
        severity=_text_of(item, "severity"),
        confidence=_text_of(item, "confidence"),
        origin=(host.text or "").strip() if host is not None else "",
        ip=(host.get("ip") or "").strip() if host is not None else "",
        path=_html_of(item, "path").strip(),
        location=_html_of(item, "location").strip(),
        serial=_text_of(item, "serialNumber"),
        background=_text.html_to_text(_html_of(item, "issueBackground")),
        detail=detail,
        remediation_background=_text.html_to_text(_html_of(item, "remediationBackground")),
        remediation_detail=_text.html_to_text(_html_of(item, "remediationDetail")),
        references=_burp.references_from_html(_html_of(item, "references")),
        classifications=_burp.classifications_text(_html_of(item, "vulnerabilityClassifications")),
    )
    for index, pair in enumerate(item.iterchildren("requestresponse"), start=1):
        evidence = _pair(pair, index)
        if evidence is not None:
            issue.evidence.append(evidence)
    for tag, caption in _RECORD_ELEMENTS:
        for index, record in enumerate(item.iterchildren(tag), start=1):
            found = _burp.text_evidence(f"{caption} {index}", _record_lines(record))
            if found is not None:
                issue.evidence.append(found)
    return issue


def _message(element: etree._Element | None) -> str:
    if element is None or not element.text:
        return ""
    if (element.get("base64") or "false").strip().lower() == "true":
        return decode_base64_http(element.text)
    return decode_http(element.text.encode("utf-8"))


def _pair(pair: etree._Element, index: int) -> Evidence | None:
    redirected = _text_of(pair, "responseRedirected").lower() == "true"
    return pair_evidence(
        index,
        _message(pair.find("request")),
        _message(pair.find("response")),
        note="response after following a redirect" if redirected else "",
    )


def _record_lines(record: etree._Element, indent: str = "") -> list[str]:
    """A nested Burp record (collaborator event, analysis…) as "name: value" lines."""
    lines: list[str] = []
    for child in record:
        if not isinstance(child.tag, str):
            continue
        name = local_name(child.tag)
        if name == "requestresponse":
            request, response = _message(child.find("request")), _message(child.find("response"))
            if request:
                lines.append(f"{indent}Request:\n{request}")
            if response:
                lines.append(f"{indent}Response:\n{response}")
        elif len(child):
            lines.append(f"{indent}{name}:")
            lines.extend(_record_lines(child, indent + "  "))
        elif child.text and child.text.strip():
            lines.append(f"{indent}{name}: {child.text.strip()}")
    return lines
