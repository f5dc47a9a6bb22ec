"""Acunetix: the XML export (``<ScanGroup>``) and Acunetix 360 JSON.

Acunetix XML mapping (see docs/sources.md (acunetix)): one finding per vulnerability *name*
(``title_flaw_id(Name)``): the XML has no stable type id, because ``ReportItem/@id`` numbers
the items of one report, ``Type`` is a broad class ("configuration") and ``ModuleName`` is the
script that may raise several differently named issues; both are kept as fields. One asset per
``Scan``, named by the host of ``StartURL``; each ReportItem is one sighting on (host, port) at
``StartURL`` + ``Affects``, with its ``Parameter``, ``Details`` and request as evidence. Severity
words map 1:1 (info/informational -> Informational).

Acunetix 360 JSON is the Invicti/Netsparker schema and is read by ``invicti.json`` (identity =
the vulnerability ``Type``).

XML is streamed with ``iter_elements``: the scan's ``StartURL``/``Crawler``/``Os``/``WebServer``
are remembered as they complete (they precede the ReportItems), each ReportItem is mapped and
freed, and the Crawler's site-file list is freed unread.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import urljoin

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.webscan import (
    child_text,
    cwe_numbers,
    records_by_kind,
    score_kind,
    url_target,
    web_asset,
)
from scanlift.parsers._lib.xml import iter_elements, local_name
from scanlift.parsers.base import Evidence, Port, ScanAsset, ScanFinding, ScanRecord, Score, Severity, Sniff, Upload
from scanlift.parsers.invicti import json as _invicti_json

ROOT = "ScanGroup"

#: Scan-level elements remembered while streaming.
_SCAN_TAGS = ("StartURL", "Crawler", "Os", "WebServer", "Banner")

#: (score kind when the vector does not say, element).
_SCORE_ELEMENTS = (("CVSS2", "CVSS"), ("CVSS3", "CVSS3"), ("CVSS4", "CVSS4"))

#: Acunetix writes "<empty>" for a form or parameter without a name.
_NO_NAME = "<empty>"


@dataclass(slots=True)
class _Scan:
    start_url: str = ""
    crawler_url: str = ""
    os: str = ""
    web_server: str = ""
    banner: str = ""
    ports: dict[str, Port] = field(default_factory=dict)

    def base_url(self) -> str:
        """StartURL, which may lack a scheme ("www.example.com"); the crawler's URL has one."""
        if "://" in self.start_url or not self.crawler_url:
            return self.start_url
        return self.crawler_url

    def target(self) -> tuple[str, Port | None]:
        return url_target(self.base_url())


class AcunetixParser:
    source: ClassVar[str] = "acunetix"
    label: ClassVar[str] = "Acunetix"

    def sniff(self, head: Sniff) -> bool:
        if head.kind == "json":
            return _invicti_json.claims(head.head, "acunetix")
        return head.root_name == ROOT and b"<Scan" in head.head

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        yield from records_by_kind(
            upload,
            self.source,
            xml=self._parse_xml,
            json=lambda head, rest: _invicti_json.records(head, rest, source=self.source),
        )

    def _parse_xml(self, upload: Upload) -> Iterator[ScanRecord]:
        scan = _Scan()
        for element in iter_elements(
            upload.stream,
            head=upload.head,
            source=self.source,
            roots=(ROOT,),
            tags=(*_SCAN_TAGS, "ReportItem", "Scan"),
            discard=("SiteFiles",),
        ):
            name = local_name(element.tag)
            if name == "ReportItem":
                finding = _finding(element, scan)
                if finding.port is not None:
                    scan.ports.setdefault(finding.port.number, finding.port)
                yield finding
            elif name == "Scan":
                asset = _asset(scan)
                if asset is not None:
                    yield asset
                scan = _Scan()
            elif _parent_name(element) == "Scan":
                _remember(scan, name, element)


def _parent_name(element: etree._Element) -> str:
    parent = element.getparent()
    return local_name(parent.tag) if parent is not None and isinstance(parent.tag, str) else ""


def _remember(scan: _Scan, name: str, element: etree._Element) -> None:
    text = (element.text or "").strip()
    if name == "StartURL":
        scan.start_url = text
    elif name == "Crawler":
        scan.crawler_url = (element.get("StartUrl") or "").strip()
    elif name == "Os":
        scan.os = text
    elif name == "WebServer":
        scan.web_server = text
    elif name == "Banner":
        scan.banner = text


def _asset(scan: _Scan) -> ScanAsset | None:
    host, port = scan.target()
    if not host:
        return None
    ports = dict(scan.ports)
    if port is not None:
        ports.setdefault(port.number, port)
    server = _known(scan.web_server)
    if server:
        ports = {
            n: Port(number=p.number, protocol=p.protocol, service=p.service, version=server) for n, p in ports.items()
        }
    banner = _known(scan.banner)
    return dataclasses.replace(
        web_asset(host, ports.values()),
        operating_system=_known(scan.os),
        description=f"Banner: {banner}" if banner else "",
    )


def _known(value: str) -> str:
    """Acunetix writes "Unknown" or "None" for what it could not fingerprint."""
    return "" if value.strip().lower() in ("", "unknown", "none") else value.strip()


def _location(scan: _Scan, affects: str) -> str:
    base = scan.base_url()
    if not affects:
        return base
    if "://" in affects or not base:
        return affects
    if "://" not in base:
        base = f"http://{base}"
    return urljoin(base if base.endswith("/") else f"{base}/", affects)


def _finding(item: etree._Element, scan: _Scan) -> ScanFinding:
    title = child_text(item, "Name") or child_text(item, "ModuleName") or "Acunetix finding"
    raw_severity = child_text(item, "Severity")
    severity = _severity.from_label(raw_severity)
    description = child_text(item, "Description")
    detailed = child_text(item, "DetailedInformation")
    impact = child_text(item, "Impact")
    recommendation = child_text(item, "Recommendation")
    details = child_text(item, "Details")
    request = _raw(item, "TechnicalDetails/Request")
    response = _raw(item, "TechnicalDetails/Response")
    parameter = child_text(item, "Parameter")
    cve_texts = [(c.text or "") for c in item.iterfind("CVEList/CVE")]
    references = [(r.findtext("URL") or "").strip() for r in item.iterfind("References/Reference")]
    reference_names = [(r.findtext("Database") or "").strip() for r in item.iterfind("References/Reference")]
    cwes = [c.get("id") or (c.text or "") for c in item.iterfind("CWEList/CWE")]
    host, port = scan.target()

    evidence = []
    details_text = _text.html_to_text(details)
    if details_text:
        evidence.append(Evidence(caption="Details", code=details_text))
    source_location = ":".join(v for v in (child_text(item, "AOP_SourceFile"), child_text(item, "AOP_SourceLine")) if v)
    additional = child_text(item, "AOP_Additional")
    if source_location or additional:
        code = "\n".join(v for v in (source_location, additional) if v)
        evidence.append(Evidence(caption="AcuSensor source", code=code))
    if request.strip():
        evidence.append(Evidence(caption="HTTP request", code=_text.clean(request)))
    if response.strip():
        evidence.append(Evidence(caption="HTTP response", code=_text.clean(response)))

    fields = [
        ("Acunetix Module", child_text(item, "ModuleName")),
        ("Acunetix Type", child_text(item, "Type")),
        ("False Positive", child_text(item, "IsFalsePositive")),
    ]
    if severity is None or severity.value.lower() != raw_severity.lower():
        fields.append(("Vendor Severity", raw_severity))
    return ScanFinding(
        flaw_id=_ids.title_flaw_id(title),
        title=title,
        severity=severity or Severity.INFORMATIONAL,
        description=_text.join_paragraphs(
            _text.html_to_text(description),
            _text.html_to_text(detailed),
            f"Impact:\n{_text.html_to_text(impact)}" if impact else "",
        ),
        recommendations=_text.html_to_text(recommendation),
        references=_ids.unique(ref or name for ref, name in zip(references, reference_names, strict=True)),
        cves=_ids.find_cves(title, description, detailed, impact, recommendation, details, *cve_texts, *references),
        cwes=cwe_numbers(*cwes),
        scores=_scores(item),
        fields=tuple((label, value) for label, value in fields if value),
        asset=host or None,
        port=port,
        location_url=_location(scan, child_text(item, "Affects")),
        vulnerable_parameters=() if parameter in ("", _NO_NAME) else (parameter,),
        evidence=tuple(evidence),
    )


def _raw(element: etree._Element, path: str) -> str:
    return element.findtext(path) or ""


def _scores(item: etree._Element) -> tuple[Score, ...]:
    scores = []
    for default_kind, tag in _SCORE_ELEMENTS:
        cvss = item.find(tag)
        if cvss is None:
            continue
        vector, score = child_text(cvss, "Descriptor"), child_text(cvss, "Score")
        if vector or score:
            scores.append(Score(kind=score_kind(vector, default_kind), vector=vector, score=score))
    return tuple(scores)
