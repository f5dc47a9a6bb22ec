"""OWASP ZAP: the XML report (``<OWASPZAPReport>``) and the three ZAP JSON shapes.

Mapping (see docs/sources.md (owaspzap)): one finding per ZAP ``pluginid`` (the scan rule id;
``alertRef`` is kept as a field); one asset per site, named by the site's ``host``. Each
alert *instance* is one sighting on (host, site port) whose location is the instance ``uri``,
whose vulnerable parameter is ``param`` and whose evidence is the method, parameter, attack,
evidence and other-info text, plus the raw request and response when the report carries them
("XML plus" / ``traditional-json-plus``). An alert with no instance is still one sighting on
its site. Severity is ``riskcode`` (0 Informational, 1 Low, 2 Medium, 3 High; the API list uses
the same words); ZAP has no Critical. The alert's confidence is kept as a field, including
"False Positive" (confidence 0), which is flagged rather than dropped.

XML is streamed with ``iter_elements`` one ``alertitem`` at a time; JSON through
``_zap_json.iter_alerts``, one alert object at a time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import BinaryIO, ClassVar

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.json import top_level_is_array, top_level_keys
from scanlift.parsers._lib.sniff import xml_root
from scanlift.parsers._lib.webscan import (
    block,
    child_text,
    cwe_numbers,
    kind_of,
    records_by_kind,
    truthy,
    url_target,
    web_asset,
    web_port,
)
from scanlift.parsers._lib.xml import iter_elements, local_name
from scanlift.parsers.base import (
    Evidence,
    Port,
    ScanFinding,
    ScanRecord,
    Severity,
    Sniff,
    Upload,
)
from scanlift.parsers.owaspzap.json import (
    CONFIDENCES,
    ZapAlert,
    ZapInstance,
    ZapSite,
    iter_alerts,
)
from scanlift.parsers.owaspzap.json import looks_like as _looks_like_zap_json

ROOT = "OWASPZAPReport"

#: alertitem children that legacy (ZAP 1.4) reports put directly under the alert, without <instances>.
_LEGACY_INSTANCE_TAGS = ("uri", "param", "attack", "evidence")


class OwaspZapParser:
    source: ClassVar[str] = "owaspzap"
    label: ClassVar[str] = "OWASP ZAP"

    def sniff(self, head: Sniff) -> bool:
        kind = kind_of(head.head)
        if kind == "xml":
            root = xml_root(head.head)
            return root is not None and root.name == ROOT
        if kind == "json":
            return _looks_like_zap_json(head.head, top_level_keys(head.head), top_level_is_array(head.head))
        return False

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        yield from records_by_kind(
            upload, self.source, xml=self._parse_xml, json=lambda _head, rest: self._parse_json(rest)
        )

    def _parse_xml(self, upload: Upload) -> Iterator[ScanRecord]:
        for element in iter_elements(
            upload.stream, source=self.source, roots=(ROOT,), tags=("alertitem", "site"), head=upload.head
        ):
            if local_name(element.tag) == "site":
                site = _xml_site(element)
                if site.host:
                    yield web_asset(site.host, _ports(site))
            else:
                yield from findings(_xml_alert(element), _enclosing_site(element))

    def _parse_json(self, stream: BinaryIO) -> Iterator[ScanRecord]:
        seen: set[tuple[str, str]] = set()
        for item in iter_alerts(stream, source=self.source):
            if isinstance(item, ZapSite):
                if item.host:
                    yield web_asset(item.host, _ports(item))
                continue
            site, alert = item
            for finding in findings(alert, site):
                if site is None and finding.asset:  # API alerts: assets from the URLs
                    key = (finding.asset, finding.port.number if finding.port else "")
                    if key not in seen:
                        seen.add(key)
                        yield web_asset(finding.asset, (finding.port,) if finding.port else ())
                yield finding


def findings(alert: ZapAlert, site: ZapSite | None) -> Iterator[ScanFinding]:
    """One sighting per instance of ``alert`` (one for an alert without instances)."""
    base = _base_finding(alert, site)
    if not alert.instances:
        yield base
        return
    if alert.instances[0].otherinfo.strip():
        # ZAP 2.10+ writes other-info per instance and repeats the first one's (as HTML) on the
        # alert; the alert-level copy is only kept for older reports, which have no other.
        base = dataclasses.replace(base, evidence=())
    for instance in alert.instances:
        host, port = (site.host, _site_port(site)) if site is not None and site.host else url_target(instance.uri)
        extra_cves = _ids.find_cves(instance.attack, instance.evidence, instance.otherinfo)
        fields = base.fields
        if instance.confidence:
            fields = (*fields, ("Confidence", instance.confidence))
        yield dataclasses.replace(
            base,
            asset=host or base.asset,
            port=port or base.port,
            location_url=instance.uri,
            vulnerable_parameters=_ids.unique([instance.param]),
            cves=_ids.unique([*base.cves, *extra_cves]),
            fields=fields,
            evidence=_instance_evidence(instance) + base.evidence,
        )


def _base_finding(alert: ZapAlert, site: ZapSite | None) -> ScanFinding:
    as_text = _text.html_to_text if alert.is_html else _text.clean
    title = alert.title
    tag_names = tuple(tag for tag, _link in alert.tags)
    references = _ids.unique(
        [*_text.split_lines(as_text(alert.reference)), *(link for _tag, link in alert.tags if link)]
    )
    fields = [("ZAP Plugin ID", alert.plugin_id)]
    if alert.alert_ref and alert.alert_ref != alert.plugin_id:
        fields.append(("ZAP Alert Ref", alert.alert_ref))
    if alert.severity is None:
        fields.append(("ZAP Risk", alert.risk))
    if alert.confidence:
        fields.append(("Confidence", alert.confidence))
    if alert.wascid.strip() not in ("", "0", "-1"):
        fields.append(("WASC ID", alert.wascid.strip()))
    if truthy(alert.systemic):
        fields.append(("Systemic", "true"))
    other = as_text(alert.otherinfo)
    evidence = (Evidence(caption="Other info", code=other),) if other else ()
    asset, port = (site.host, _site_port(site)) if site is not None else ("", None)
    return ScanFinding(
        flaw_id=alert.plugin_id or _ids.title_flaw_id(title),
        title=title,
        severity=alert.severity or Severity.INFORMATIONAL,
        description=as_text(alert.description),
        recommendations=as_text(alert.solution),
        references=references,
        cves=_ids.find_cves(title, alert.description, alert.solution, alert.otherinfo, alert.reference),
        cwes=cwe_numbers(alert.cweid),
        tags=tag_names,
        fields=tuple((label, value) for label, value in fields if value),
        asset=asset or None,
        port=port,
        evidence=evidence,
    )


def _instance_evidence(instance: ZapInstance) -> tuple[Evidence, ...]:
    evidence = []
    other = _text.clean(instance.otherinfo)  # plain text in every shape, unlike the alert's HTML other-info
    details = block(
        [
            ("Method", instance.method),
            ("Parameter", instance.param),
            ("Attack", instance.attack),
            ("Evidence", instance.evidence),
            ("Input vector", instance.input_vector),
            ("Other info", other),
        ]
    )
    if details and (instance.param or instance.attack or instance.evidence or other or instance.input_vector):
        caption = f"{instance.method} {instance.uri}".strip() or "Instance"
        evidence.append(Evidence(caption=caption, code=details))
    request = _joined(instance.request_header, instance.request_body)
    if request:
        evidence.append(Evidence(caption="HTTP request", code=request))
    response = _joined(instance.response_header, instance.response_body)
    if response:
        evidence.append(Evidence(caption="HTTP response", code=response))
    return tuple(evidence)


def _joined(header: str, body: str) -> str:
    header, body = _text.clean(header), _text.clean(body)
    if header and body:
        return f"{header}\n\n{body}"
    return header or body


def _site_port(site: ZapSite) -> Port | None:
    return web_port(site.port, site.ssl)


def _ports(site: ZapSite) -> tuple[Port, ...]:
    port = _site_port(site)
    return (port,) if port else ()


def _xml_site(element: etree._Element) -> ZapSite:
    name = element.get("name") or ""
    host = element.get("host") or (url_target(name)[0] if name else "")
    return ZapSite(host=host, port=element.get("port") or "", ssl=truthy(element.get("ssl")), name=name)


def _enclosing_site(item: etree._Element) -> ZapSite | None:
    for ancestor in item.iterancestors():
        if isinstance(ancestor.tag, str) and local_name(ancestor.tag) == "site":
            return _xml_site(ancestor)
    return None


def _raw(element: etree._Element, tag: str) -> str:
    """A child's text as written (no stripping), for evidence."""
    child = element.find(tag)
    return (child.text or "") if child is not None else ""


def _xml_alert(item: etree._Element) -> ZapAlert:
    plugin_id = child_text(item, "pluginid")
    title = child_text(item, "alert") or child_text(item, "name") or f"ZAP alert {plugin_id}"
    riskcode = child_text(item, "riskcode")
    confidence = child_text(item, "confidencedesc") or CONFIDENCES.get(
        child_text(item, "confidence"), child_text(item, "confidence")
    )
    container = item.find("instances")
    instances = [_xml_instance(i) for i in container.iterchildren("instance")] if container is not None else []
    # ZAP 1.4 writes one instance's fields (uri, param, …) directly under the alertitem.
    legacy = container is None and any(item.find(tag) is not None for tag in _LEGACY_INSTANCE_TAGS)
    if legacy:
        instances = [_xml_instance(item)]
    tags_element = item.find("tags")
    tags: tuple[tuple[str, str], ...] = ()
    if tags_element is not None:
        tags = tuple(
            (child_text(tag, "tag"), child_text(tag, "link"))
            for tag in tags_element.iterchildren("tag")
            if child_text(tag, "tag")
        )
    return ZapAlert(
        plugin_id=plugin_id,
        alert_ref=child_text(item, "alertRef"),
        title=title,
        risk=child_text(item, "riskdesc") or riskcode,
        severity=_severity.from_scale(riskcode, _severity.ZAP_RISKCODES),
        confidence=confidence,
        description=_raw(item, "desc"),
        solution=_raw(item, "solution"),
        otherinfo="" if legacy else _raw(item, "otherinfo"),
        reference=_raw(item, "reference"),
        cweid=child_text(item, "cweid"),
        wascid=child_text(item, "wascid"),
        systemic=child_text(item, "systemic"),
        tags=tags,
        instances=tuple(instances),
        is_html=True,
    )


def _xml_instance(element: etree._Element) -> ZapInstance:
    return ZapInstance(
        uri=child_text(element, "uri"),
        method=child_text(element, "method"),
        param=child_text(element, "param"),
        attack=_raw(element, "attack"),
        evidence=_raw(element, "evidence"),
        otherinfo=_raw(element, "otherinfo"),
        request_header=_raw(element, "requestheader"),
        request_body=_raw(element, "requestbody"),
        response_header=_raw(element, "responseheader"),
        response_body=_raw(element, "responsebody"),
    )
