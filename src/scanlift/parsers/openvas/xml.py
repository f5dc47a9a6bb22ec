"""OpenVAS / Greenbone XML results: the GMP ``<report>`` export, also wrapped in
``<get_reports_response>``, and ``<get_results_response>``.

Streaming: ``<result>`` elements are handled one at a time. Because the shared reader frees every
element named ``host`` or ``result`` as soon as it ends, the host of a result and the product
detection nested in it (``detection/result``) are read when *they* end and kept until their
result ends. The only state kept across results is one entry per host (IP and hostname), so that
each host is described by a single ``ScanAsset``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.xml import iter_elements, local_name
from scanlift.parsers.base import Evidence, Port, ScanAsset, ScanFinding, ScanRecord, Score, Upload
from scanlift.parsers.openvas.common import (
    DESCRIPTION_TAGS,
    Hosts,
    Refs,
    cert_reference,
    description_text,
    host_asset,
    severity_of,
    split_list,
)

ROOTS = ("report", "get_reports_response", "get_results_response")
_CERT_LABELS = {"cert-bund": "CERT-Bund", "dfn-cert": "DFN-CERT", "bid": "BID", "cisa": "CISA"}
_PORT_RE = re.compile(r"^\s*(?:(?P<service>[^(]*?)\s*\()?(?P<number>\d+)/(?P<protocol>[A-Za-z]+)\)?\s*$")
_TAG_KEY_RE = re.compile(r"^([A-Za-z_]+)=(.*)$", re.DOTALL)
#: Score vector prefixes and the CVSS version they name, most specific first.
_VECTOR_KINDS = (("CVSS:4", "CVSS4"), ("CVSS:3.1/", "CVSS3_1"), ("CVSS:3", "CVSS3"))


@dataclass(slots=True)
class _Pending:
    """What the children of the open ``<result>`` left behind before the reader freed them."""

    owner: etree._Element | None = None
    host: str = ""
    hostname: str = ""
    result_name: str = ""
    detections: list[str] = field(default_factory=list)


def parse_xml(upload: Upload, source: str) -> Iterator[ScanRecord]:
    """Yield each top-level result as a finding, each ``report/host`` as an asset, and at the end
    an asset for every host that only results named."""
    pending = _Pending()
    hosts = Hosts()
    for element in iter_elements(upload.stream, source=source, roots=ROOTS, tags=("result", "host"), head=upload.head):
        parent = element.getparent()
        if parent is None:
            continue
        parent_name = local_name(str(parent.tag))
        name = local_name(str(element.tag))
        if name == "host":
            if parent_name == "result" and _is_top_result(parent):
                pending = _Pending(
                    owner=parent,
                    host=(element.text or "").strip(),
                    hostname=_child_text(element, "hostname"),
                    result_name=_child_text(parent, "name"),
                    detections=pending.detections if pending.owner is parent else [],
                )
            elif parent_name == "report":
                yield hosts.describe(_report_host(element))
        elif parent_name == "detection":
            owner = parent.getparent()
            if owner is not pending.owner:
                pending = _Pending(owner=owner)
            pending.detections.append(_detection_text(element))
        elif parent_name in ("results", "get_results_response"):
            if pending.owner is not element:
                pending = _Pending(host=_child_text(element, "host"), result_name=_child_text(element, "name"))
            finding = _xml_finding(element, pending)
            hosts.note(pending.host, pending.hostname)
            pending = _Pending()
            yield finding
    yield from hosts.rest()


def _is_top_result(element: etree._Element) -> bool:
    parent = element.getparent()
    return parent is not None and local_name(str(parent.tag)) in ("results", "get_results_response")


def _xml_finding(result: etree._Element, pending: _Pending) -> ScanFinding:
    nvt = _child(result, "nvt")
    oid = (nvt.get("oid") or "").strip() if nvt is not None else ""
    title = (_child_text(nvt, "name") if nvt is not None else "") or pending.result_name
    title = title or f"OpenVAS NVT {oid}"
    tags = _parse_tags(_child_text(nvt, "tags", strip=False) if nvt is not None else "")
    threat = _child_text(result, "threat")
    severity_value = _child_text(result, "severity")
    port_text = _child_text(result, "port")
    port = _port(port_text)
    refs = _xml_refs(nvt) if nvt is not None else Refs()
    solution = _child(nvt, "solution") if nvt is not None else None
    solution_text = _text.clean(solution.text) if solution is not None and solution.text else ""
    solution_type = (solution.get("type") or "") if solution is not None else ""
    qod = _child(result, "qod")
    qod_text = ""
    if qod is not None:
        qod_text = " ".join(p for p in (_child_text(qod, "value"), _child_text(qod, "type")) if p)
    evidence = []
    output = _text.clean(_child_text(result, "description", strip=False))
    if output:
        evidence.append(Evidence(caption=f"OpenVAS result ({port_text or 'general'})", code=output))
    evidence += [Evidence(caption="Product detection result", code=d) for d in pending.detections if d]
    fields = [
        ("NVT OID", oid),
        ("NVT Family", _child_text(nvt, "family") if nvt is not None else ""),
        ("OpenVAS Threat", threat),
        ("OpenVAS Severity", severity_value),
        ("CVSS Base", _child_text(nvt, "cvss_base") if nvt is not None else ""),
        ("QoD", qod_text),
        ("Solution Type", solution_type or tags.get("solution_type", "")),
    ]
    for original, label in (
        ("original_threat", "Original Threat"),
        ("original_severity", "Original Severity"),
    ):
        value = _child_text(result, original)
        if value and value != (threat if original == "original_threat" else severity_value):
            fields.append((label, value))
    return ScanFinding(
        flaw_id=oid or _ids.title_flaw_id(title),
        title=title,
        severity=severity_of(threat, severity_value),
        description=description_text(tags.get(key, "") for key, _label in DESCRIPTION_TAGS),
        recommendations=solution_text or _text.clean(tags.get("solution")),
        references=refs.references(),
        cves=_ids.find_cves(*refs.cves, oid, title),
        cwes=refs.cwes,
        scores=_xml_scores(nvt, tags) if nvt is not None else (),
        fields=tuple((label, value) for label, value in fields if value),
        asset=pending.host or None,
        port=port,
        evidence=tuple(evidence),
    )


def _xml_refs(nvt: etree._Element) -> Refs:
    refs = Refs()
    cwes: list[int] = []
    # Legacy OMP layout: comma-separated <cve>, <bid>, <xref> and <cert><cert_ref/></cert>.
    refs.cves += split_list(_child_text(nvt, "cve"), "NOCVE")
    refs.bids += split_list(_child_text(nvt, "bid"), "NOBID")
    for xref in split_list(_child_text(nvt, "xref"), "NOXREF"):
        refs.urls.append(xref[4:] if xref.upper().startswith("URL:") else xref)
    for box in _children(nvt, "cert", "certs", "refs"):
        for ref in box:
            if not isinstance(ref.tag, str):
                continue
            kind = (ref.get("type") or "").strip()
            ref_id = (ref.get("id") or "").strip()
            if not ref_id:
                continue
            lowered = kind.lower()
            if lowered == "url":
                refs.urls.append(ref_id)
            elif lowered == "cve":
                refs.cves.append(ref_id)
            elif lowered == "bid":
                refs.bids.append(ref_id)
            elif lowered == "cwe":
                cwe = _ids.parse_cwe(ref_id)
                if cwe is not None:
                    cwes.append(cwe)
            else:
                refs.certs.append(cert_reference(ref_id, _CERT_LABELS.get(lowered, kind)))
    refs.cwes = tuple(dict.fromkeys(cwes))
    return refs


def _xml_scores(nvt: etree._Element, tags: dict[str, str]) -> tuple[Score, ...]:
    scores: list[Score] = []
    for box in _children(nvt, "severities"):
        for severity in box:
            if not isinstance(severity.tag, str) or local_name(severity.tag) != "severity":
                continue
            vector = _child_text(severity, "value")
            score = _child_text(severity, "score") or (box.get("score") or "")
            if vector or score:
                scores.append(Score(kind=_score_kind(vector, severity.get("type") or ""), vector=vector, score=score))
    vector = tags.get("cvss_base_vector", "").strip()
    if vector and all(s.vector != vector for s in scores):
        scores.append(Score(kind=_score_kind(vector, ""), vector=vector, score=_child_text(nvt, "cvss_base")))
    return tuple(scores)


def _score_kind(vector: str, declared: str) -> str:
    """The CVSS version the vector names (any other vector is v2), else the declared ``type``."""
    if vector:
        return next((kind for prefix, kind in _VECTOR_KINDS if vector.startswith(prefix)), "CVSS2")
    if "v4" in declared:
        return "CVSS4"
    return "CVSS3" if "v3" in declared else "CVSS2"


def _report_host(host: etree._Element) -> ScanAsset:
    ip = _child_text(host, "ip")
    details: dict[str, str] = {}
    for detail in _children(host, "detail"):
        key = _child_text(detail, "name")
        if key and key not in details:
            details[key] = _child_text(detail, "value")
    return host_asset(
        ip,
        details.get("hostname", ""),
        os=details.get("best_os_txt", "") or details.get("OS", ""),
        mac=details.get("MAC", ""),
    )


def _detection_text(result: etree._Element) -> str:
    lines = []
    for box in _children(result, "details"):
        for detail in box:
            if isinstance(detail.tag, str) and local_name(detail.tag) == "detail":
                key, value = _child_text(detail, "name"), _child_text(detail, "value")
                if key or value:
                    lines.append(f"{key}: {value}")
    return "\n".join(lines)


def _parse_tags(text: str) -> dict[str, str]:
    """``summary=...|insight=...`` -> dict; a "|" inside a value is kept when no key follows it."""
    tags: dict[str, str] = {}
    key = ""
    for piece in text.split("|"):
        match = _TAG_KEY_RE.match(piece)
        if match:
            key = match.group(1)
            tags[key] = match.group(2)
        elif key:
            tags[key] += "|" + piece
    return tags


def _port(text: str) -> Port | None:
    match = _PORT_RE.match(text)
    if not match:
        return None
    return Port(
        number=match.group("number"),
        protocol=match.group("protocol").lower(),
        service=(match.group("service") or "").strip(),
    )


def _child(element: etree._Element, name: str) -> etree._Element | None:
    for child in element:
        if isinstance(child.tag, str) and local_name(child.tag) == name:
            return child
    return None


def _children(element: etree._Element, *names: str) -> list[etree._Element]:
    return [c for c in element if isinstance(c.tag, str) and local_name(c.tag) in names]


def _child_text(element: etree._Element, name: str, *, strip: bool = True) -> str:
    child = _child(element, name)
    if child is None or child.text is None:
        return ""
    return child.text.strip() if strip else child.text
