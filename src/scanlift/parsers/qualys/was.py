"""Qualys Web Application Scanning (WAS) XML: ``<WAS_SCAN_REPORT>`` and ``<WAS_WEBAPP_REPORT>``.

Mapping (see docs/sources.md (qualys)), following PlexTrac's published WAS table where it has one:

* Sightings: ``RESULTS/VULNERABILITY_LIST/VULNERABILITY``, ``SENSITIVE_CONTENT_LIST/SENSITIVE_CONTENT``
  and ``INFORMATION_GATHERED_LIST/INFORMATION_GATHERED`` (under ``RESULTS/WEB_APPLICATION`` in
  the web-application report). One sighting each, on the URL's host (``host`` or ``host:port``),
  with ``location_url`` = URL, the vulnerable ``PARAM``, and as evidence each payload's
  request/response (base64 bodies decoded), the decoded ``DATA`` of information-gathered items
  and the crawler's access path.
* Definitions: ``GLOSSARY/QID_LIST/QID`` -> title, severity (PlexTrac's 0/1 Informational …
  5 Critical, tag ``minimal`` at 1), description = DESCRIPTION + IMPACT, recommendations =
  SOLUTION, CWE, CVSS base scores, and category/group/OWASP/WASC as custom fields.
  flaw_id = QID.

The glossary and the ``APPENDIX/WEBAPP`` block (which names the application that
information-gathered items belong to) come after the results, so sightings are spooled to disk
and joined at the end of the document.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.webscan import web_asset
from scanlift.parsers._lib.xml import iter_elements
from scanlift.parsers.base import Evidence, FindingDefinition, ScanAsset, ScanRecord, Upload
from scanlift.parsers.qualys import common as _qualys
from scanlift.parsers.qualys import records
from scanlift.parsers.qualys.common import child_text, texts
from scanlift.parsers.qualys.records import Join, Sighting

ROOTS = ("WAS_SCAN_REPORT", "WAS_WEBAPP_REPORT")

#: Result elements -> the wording used in evidence captions.
_RESULTS = {
    "VULNERABILITY": "vulnerability",
    "SENSITIVE_CONTENT": "sensitive content",
    "INFORMATION_GATHERED": "information gathered",
}


def parse(upload: Upload) -> Iterator[ScanRecord]:
    with Join() as join:
        default_asset: str | None = None
        announced: set[str] = set()  # web applications already yielded as assets (a handful)
        for element in iter_elements(
            upload.stream,
            head=upload.head,
            source=_qualys.SOURCE,
            roots=ROOTS,
            tags=(*_RESULTS, "QID_LIST", "WEBAPP"),
        ):
            name = element.tag
            if name in _RESULTS:
                holder = element.getparent()
                if holder is None or holder.tag != f"{name}_LIST":
                    continue  # the same names hold counters in <SUMMARY>
                app = holder.getparent()
                app_asset = _webapp_asset(app) if app is not None and app.tag == "WEB_APPLICATION" else None
                if app_asset is not None and app_asset.name not in announced:
                    announced.add(app_asset.name)
                    yield app_asset
                join.add_sighting(*_sighting(element, app_asset.name if app_asset else None))
            elif name == "QID_LIST":
                for entry in element.iterchildren("QID"):
                    join.add_definition(*_definition(entry))
            else:  # APPENDIX/WEBAPP
                asset = _webapp_asset(element)
                if asset is not None:
                    default_asset = default_asset or asset.name
                    if asset.name not in announced:
                        announced.add(asset.name)
                        yield asset
        yield from join.findings(default_asset=default_asset)


def _webapp_asset(app: etree._Element) -> ScanAsset | None:
    host, port = _qualys.url_asset(child_text(app, "URL"))
    if not host:
        return None
    return dataclasses.replace(
        web_asset(host, (port,) if port else ()),
        operating_system=child_text(app, "OPERATING_SYSTEM"),
        type="Application",
        description=_qualys.facts(
            (
                ("Qualys web application", child_text(app, "NAME")),
                ("Web application ID", child_text(app, "ID")),
                ("URL", child_text(app, "URL")),
                ("Owner", child_text(app, "OWNER")),
                ("Scope", child_text(app, "SCOPE")),
            )
        ),
    )


def _flag(element: etree._Element, tag: str) -> str:
    return "yes" if child_text(element, tag).lower() == "true" else ""


def _sighting(result: etree._Element, app_asset: str | None) -> tuple[str, Sighting]:
    qid = child_text(result, "QID")
    url = child_text(result, "URL")
    asset, port = _qualys.url_asset(url)
    details = [
        ("", _RESULTS[result.tag]),
        ("form entry point", child_text(result, "FORM_ENTRY_POINT")),
        ("detection date", child_text(result, "DETECTION_DATE")),
        ("first detected", child_text(result, "FIRST_TIME_DETECTED")),
        ("last detected", child_text(result, "LAST_TIME_DETECTED")),
        ("last tested", child_text(result, "LAST_TIME_TESTED")),
        ("times detected", child_text(result, "TIMES_DETECTED")),
        ("status", child_text(result, "STATUS")),
        ("authentication", child_text(result, "AUTHENTICATION")),
        ("AJAX", _flag(result, "AJAX")),
        ("potential", _flag(result, "POTENTIAL")),
        ("ignored", _flag(result, "IGNORED")),
    ]
    evidence: list[Evidence] = []
    for payload in result.iterfind("PAYLOADS/PAYLOAD"):
        number = child_text(payload, "NUM")
        evidence.append(Evidence(caption=f"Payload {number}".strip(), code=_payload_code(payload)))
    for tag in ("DATA", "CONTENT", "CONTENTS"):
        data = _qualys.decoded(result.find(tag))
        if data.strip():
            evidence.append(Evidence(caption="Result", code=data.strip("\r\n")))
    access_path = texts(result, "ACCESS_PATH/URL")
    if access_path:
        evidence.append(Evidence(caption="Access path", code="\n".join(access_path)))
    if evidence:
        first = evidence[0]
        evidence[0] = Evidence(caption=_qualys.caption(first.caption, details), code=first.code)
    return qid, Sighting(
        asset=asset or app_asset,
        port=port,
        location_url=url,
        parameters=_ids.unique(texts(result, "PARAM")),
        evidence=tuple(evidence),
    )


def _payload_code(payload: etree._Element) -> str:
    """One payload as text: the payload, the request rebuilt from its parts, the decoded response."""
    sections: list[str] = []
    sent = _qualys.value(child_text(payload, "PAYLOAD"))
    if sent:
        sections.append(f"Payload: {sent}")
    request = payload.find("REQUEST")
    if request is not None:
        lines = [" ".join(p for p in (child_text(request, "METHOD"), child_text(request, "URL")) if p)]
        for header in request.iterfind("HEADERS/HEADER"):
            lines.append(f"{child_text(header, 'key')}: {child_text(header, 'value')}")
        body = child_text(request, "BODY")
        text = "\n".join(line for line in lines if line)
        sections.append("Request:\n" + text + (f"\n\n{body}" if body else ""))
    response = payload.find("RESPONSE")
    if response is not None:
        contents = _qualys.decoded(response.find("CONTENTS")).strip("\r\n")
        if contents:
            sections.append("Response:\n" + contents)
        proof = _qualys.decoded(response.find("EVIDENCE")).strip("\r\n")
        if proof:
            sections.append("Evidence:\n" + proof)
    return "\n\n".join(sections)


def _definition(entry: etree._Element) -> tuple[str, FindingDefinition]:
    description_html = child_text(entry, "DESCRIPTION")
    impact_html = child_text(entry, "IMPACT")
    solution_html = child_text(entry, "SOLUTION")
    scores, leftovers = _qualys.scores_and_leftovers(
        (
            ("CVSS2", "CVSS Base Score", child_text(entry, "CVSS_BASE")),
            (
                "CVSS3",
                "CVSSv3 Base Score",
                child_text(entry, "CVSS_V3/BASE") or child_text(entry, "CVSS3_BASE"),
            ),
        )
    )
    fields = [
        ("Category", child_text(entry, "CATEGORY")),
        ("Group", child_text(entry, "GROUP")),
        ("OWASP", child_text(entry, "OWASP")),
        ("WASC", child_text(entry, "WASC")),
        ("CVSS Temporal Score", _qualys.value(child_text(entry, "CVSS_TEMPORAL"))),
        (
            "CVSSv3 Temporal Score",
            _qualys.value(child_text(entry, "CVSS_V3/TEMPORAL") or child_text(entry, "CVSS3_TEMPORAL")),
        ),
        *leftovers,
    ]
    cwes = [_ids.parse_cwe(part) for text in texts(entry, "CWE") for part in text.split(",")]
    cve_texts = [(e.text or "") for e in entry.iter("CVE", "CVE_ID", "ID")]
    qid = child_text(entry, "QID")
    return qid, records.definition(
        qid=qid,
        title=_text.clean(child_text(entry, "TITLE")).replace("\n", " "),
        level=child_text(entry, "SEVERITY"),
        description=_text.join_paragraphs(_qualys.kb_text(description_html), _qualys.kb_text(impact_html)),
        recommendations=_qualys.kb_text(solution_html),
        references=_ids.unique(
            [
                *_qualys.links_in(description_html),
                *_qualys.links_in(impact_html),
                *_qualys.links_in(solution_html),
            ]
        ),
        cves=_ids.find_cves(*cve_texts),
        cwes=tuple(dict.fromkeys(c for c in cwes if c is not None)),
        scores=tuple(scores),
        fields=tuple((label, text) for label, text in fields if text),
    )
