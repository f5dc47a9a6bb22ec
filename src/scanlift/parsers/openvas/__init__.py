"""OpenVAS / Greenbone (GVM) reports: the XML report (GMP ``<report>`` export, also wrapped in
``<get_reports_response>``) and the "CSV Results" report of the same data.

Mapping (see docs/sources.md (openvas)): one finding per NVT OID; each ``<result>`` (or CSV row) is
one sighting on (host, port) whose result text is evidence. Following PlexTrac's published OpenVAS
mapping: title = ``nvt/name``; description = the ``summary``, ``impact``, ``insight``,
``affected`` and ``vuldetect`` keys of the ``nvt/tags`` "k=v|k=v" string; references = ``xref``
(not NOXREF), every ``cert_ref``, ``cve`` (not NOCVE) and ``bid`` (not NOBID), plus the newer
``refs/ref`` list; recommendations = ``nvt/solution`` or the ``solution`` tag. Severity is the
result's ``threat`` label (High/Medium/Low/Critical 1:1, Log/Debug -> Informational); when the
label is empty or unknown (e.g. "False Positive"), the numeric ``severity`` is rated like a CVSS
score. Assets are named by the result's host (the IP); ``report/host`` details add hostname, OS
and MAC.

Streaming: ``<result>`` elements are handled one at a time. Because the shared reader frees every
element named ``host`` or ``result`` as soon as it ends, the host of a result and the product
detection nested in it (``detection/result``) are read when *they* end and kept until their
result ends. The only state kept across results is one entry per host (IP and hostname), so that
each host is described by a single ``ScanAsset``.
"""

from __future__ import annotations

import codecs
import ipaddress
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO, ClassVar

from lxml import etree

from scanlift.parsers._lib import csv as _csv
from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.replay import read_head, replay
from scanlift.parsers._lib.sniff import xml_root
from scanlift.parsers._lib.xml import iter_elements, local_name
from scanlift.parsers.base import (
    Evidence,
    InvalidFile,
    Port,
    ScanAsset,
    ScanFinding,
    ScanRecord,
    Score,
    Severity,
    Sniff,
    Upload,
)

if TYPE_CHECKING:
    pass

ROOTS = ("report", "get_reports_response", "get_results_response")
#: Bytes that only a GMP/OMP report carries near its start (a bare <report> root is too common).
_XML_MARKERS = (b"<nvt ", b"<nvt>", b"<gmp>", b"<omp>", b"<scan_run_status>", b"<report_format")
#: Columns every Greenbone "CSV Results" export has.
CSV_REQUIRED = ("IP", "NVT OID", "NVT Name")

#: nvt/tags keys composing the description, in PlexTrac's order, with the CSV column names as labels.
_DESCRIPTION_TAGS = (
    ("summary", "Summary"),
    ("impact", "Impact"),
    ("insight", "Vulnerability Insight"),
    ("affected", "Affected Software/OS"),
    ("vuldetect", "Vulnerability Detection Method"),
)
_CERT_LABELS = {"cert-bund": "CERT-Bund", "dfn-cert": "DFN-CERT", "bid": "BID", "cisa": "CISA"}
_PORT_RE = re.compile(r"^\s*(?:(?P<service>[^(]*?)\s*\()?(?P<number>\d+)/(?P<protocol>[A-Za-z]+)\)?\s*$")
_TAG_KEY_RE = re.compile(r"^([A-Za-z_]+)=(.*)$", re.DOTALL)
_HEAD_BYTES = 64 * 1024


class OpenVasParser:
    source: ClassVar[str] = "openvas"
    label: ClassVar[str] = "OpenVAS"

    def sniff(self, head: Sniff) -> bool:
        root = xml_root(head.head)
        if root is not None:
            if root.name == "report":
                return "format_id" in root.attributes or any(m in head.head for m in _XML_MARKERS)
            return root.name in ROOTS
        header = _csv.header_of(head.head)
        return header is not None and set(CSV_REQUIRED) <= set(header)

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        stream = upload.stream
        head = read_head(stream, _HEAD_BYTES)
        if not head.strip():
            raise InvalidFile(self.source, "the file is empty")
        whole = replay(head, stream)
        if _looks_like_xml(head):
            yield from _parse_xml(whole, self.source)
        else:
            _check_header(head, self.source)
            yield from _parse_csv(whole, self.source)


# --- XML -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Pending:
    """What the children of the open ``<result>`` left behind before the reader freed them."""

    owner: etree._Element | None = None
    host: str = ""
    hostname: str = ""
    result_name: str = ""
    detections: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Hosts:
    """One entry per host, so each host gets exactly one ScanAsset."""

    seen: dict[str, str] = field(default_factory=dict)
    described: set[str] = field(default_factory=set)

    def note(self, host: str, hostname: str) -> None:
        if host and host not in self.described and not self.seen.get(host):
            self.seen[host] = hostname

    def describe(self, asset: ScanAsset) -> ScanAsset:
        hostname = self.seen.pop(asset.name, "")
        self.described.add(asset.name)
        if hostname and not asset.hostname and not asset.fqdn:
            return _asset(asset.name, hostname, os=asset.operating_system, mac=asset.mac)
        return asset

    def rest(self) -> Iterator[ScanAsset]:
        for host, hostname in self.seen.items():
            yield _asset(host, hostname)
        self.seen.clear()


def _parse_xml(stream: BinaryIO, source: str) -> Iterator[ScanRecord]:
    pending = _Pending()
    hosts = _Hosts()
    for element in iter_elements(stream, source=source, roots=ROOTS, tags=("result", "host")):
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
    refs = _xml_refs(nvt) if nvt is not None else _Refs()
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
        severity=_severity_of(threat, severity_value),
        description=_description(tags.get(key, "") for key, _label in _DESCRIPTION_TAGS),
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


@dataclass(slots=True)
class _Refs:
    urls: list[str] = field(default_factory=list)
    certs: list[str] = field(default_factory=list)
    cves: list[str] = field(default_factory=list)
    bids: list[str] = field(default_factory=list)
    cwes: tuple[int, ...] = ()

    def references(self) -> tuple[str, ...]:
        return _ids.unique([*self.urls, *self.certs, *self.cves, *(f"BID: {b}" for b in self.bids)])


def _xml_refs(nvt: etree._Element) -> _Refs:
    refs = _Refs()
    cwes: list[int] = []
    # Legacy OMP layout: comma-separated <cve>, <bid>, <xref> and <cert><cert_ref/></cert>.
    refs.cves += _split_list(_child_text(nvt, "cve"), "NOCVE")
    refs.bids += _split_list(_child_text(nvt, "bid"), "NOBID")
    for xref in _split_list(_child_text(nvt, "xref"), "NOXREF"):
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
                refs.certs.append(_cert(ref_id, _CERT_LABELS.get(lowered, kind)))
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
    if vector.startswith("CVSS:4"):
        return "CVSS4"
    if vector.startswith("CVSS:3.1/"):
        return "CVSS3_1"
    if vector.startswith("CVSS:3"):
        return "CVSS3"
    if vector:
        return "CVSS2"
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
    return _asset(
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


# --- CSV -----------------------------------------------------------------------------------


_CSV_DESCRIPTION = tuple(label for _key, label in _DESCRIPTION_TAGS)
_CSV_FIELDS = (
    ("NVT OID", "NVT OID"),
    ("Severity", "OpenVAS Threat"),
    ("CVSS", "OpenVAS Severity"),
    ("QoD", "QoD"),
    ("Solution Type", "Solution Type"),
    ("Max Severity EPSS score", "Max Severity EPSS Score"),
    ("Max Severity EPSS percentile", "Max Severity EPSS Percentile"),
)


def _parse_csv(stream: BinaryIO, source: str) -> Iterator[ScanRecord]:
    hosts = _Hosts()
    for row in _csv.iter_rows(stream, source=source):
        finding = _csv_finding(row)
        hosts.note(row.get("IP", "").strip(), row.get("Hostname", "").strip())
        yield finding
    yield from hosts.rest()


def _check_header(head: bytes, source: str) -> None:
    header = _csv.header_of(head)
    if header is None:
        start = head.lstrip(codecs.BOM_UTF8).lstrip()[:1].decode("ascii", errors="replace")
        raise InvalidFile(
            source,
            f"neither XML nor a CSV results file (the content starts with {start!r}; "
            f"expected a header with {', '.join(CSV_REQUIRED)})",
        )
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        shown = ", ".join(header[:8]) + (", …" if len(header) > 8 else "")
        raise InvalidFile(source, f"missing required columns: {', '.join(missing)} (the header is: {shown})")


def _csv_finding(row: dict[str, str]) -> ScanFinding:
    def cell(name: str) -> str:
        return _unescape_cell(row.get(name) or "").strip()

    oid, title = cell("NVT OID"), cell("NVT Name")
    title = title or f"OpenVAS NVT {oid}"
    port = None
    if cell("Port").isdigit():
        port = Port(number=cell("Port"), protocol=(cell("Port Protocol") or "tcp").lower())
    where = f"{cell('Port')}/{cell('Port Protocol')}" if port else "general"
    evidence = []
    result = _text.clean(_unescape_cell(row.get("Specific Result") or ""))
    if result:
        evidence.append(Evidence(caption=f"OpenVAS result ({where})", code=result))
    detection = _text.clean(_unescape_cell(row.get("Product Detection Result") or ""))
    if detection:
        evidence.append(Evidence(caption="Product detection result", code=detection))
    refs = _Refs(
        urls=_split_list(cell("Other References"), "NOXREF"),
        certs=[_cert(c, "") for c in _split_list(cell("CERTs"), "NOCERT")],
        cves=_split_list(cell("CVEs"), "NOCVE"),
        bids=_split_list(cell("BIDs"), "NOBID"),
    )
    fields = [(label, cell(column)) for column, label in _CSV_FIELDS]
    return ScanFinding(
        flaw_id=oid or _ids.title_flaw_id(title),
        title=title,
        severity=_severity_of(cell("Severity"), cell("CVSS")),
        description=_description(_unescape_cell(row.get(label) or "") for label in _CSV_DESCRIPTION),
        recommendations=_text.clean(_unescape_cell(row.get("Solution") or "")),
        references=refs.references(),
        cves=_ids.find_cves(*refs.cves, oid, title),
        fields=tuple((label, value) for label, value in fields if value),
        asset=cell("IP") or None,
        port=port,
        evidence=tuple(evidence),
    )


def _unescape_cell(value: str) -> str:
    """Undo the quote Greenbone puts before a cell starting with - = + @ (spreadsheet-formula guard)."""
    if len(value) > 1 and value[0] == "'" and value[1] in "-=+@":
        return value[1:]
    return value


# --- shared --------------------------------------------------------------------------------


def _severity_of(threat: str, score: str) -> Severity:
    """The threat label 1:1 (Log/Debug -> Informational), else the numeric severity as CVSS."""
    if threat.strip().lower() == "debug":
        return Severity.INFORMATIONAL
    by_label = _severity.from_label(threat)
    if by_label is not None:
        return by_label
    return _severity.from_cvss(score) or Severity.INFORMATIONAL


def _description(parts: Iterable[str]) -> str:
    sections = []
    for (_key, label), text in zip(_DESCRIPTION_TAGS, parts, strict=True):
        cleaned = _text.clean(text)
        if cleaned:
            sections.append(cleaned if label == "Summary" else f"{label}:\n{cleaned}")
    return "\n\n".join(sections)


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


def _cert(ref_id: str, label: str) -> str:
    """ "CERT-Bund: WID-SEC-2025-1850"; an id that already names its source ("DFN-CERT-…") stays bare."""
    if not label and ref_id.upper().startswith(("WID-SEC-", "CB-K")):
        label = "CERT-Bund"
    if not label or ref_id.upper().startswith(label.upper()):
        return ref_id
    return f"{label}: {ref_id}"


def _split_list(text: str, none_marker: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip() and p.strip().upper() != none_marker]


def _asset(host: str, hostname: str, *, os: str = "", mac: str = "") -> ScanAsset:
    hostname = hostname.strip()
    return ScanAsset(
        name=host,
        ips=(host,) if _is_ip(host) else (),
        hostname=hostname.split(".", 1)[0] if hostname and not _is_ip(hostname) else "",
        fqdn=hostname if "." in hostname and not _is_ip(hostname) else "",
        mac=mac.strip(),
        operating_system=os.strip(),
    )


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


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


def _looks_like_xml(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    return head.lstrip(codecs.BOM_UTF8).lstrip().startswith(b"<")
