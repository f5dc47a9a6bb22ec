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

The readers (``owaspzap.xml``, ``owaspzap.json``) stream the file one alert at a time into the
alert model of ``owaspzap.alerts``; this module maps each alert to records.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import BinaryIO, ClassVar

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.json import top_level_is_array, top_level_keys
from scanlift.parsers._lib.webscan import (
    block,
    cwe_numbers,
    records_by_kind,
    truthy,
    url_target,
    web_asset,
    web_port,
)
from scanlift.parsers.base import (
    Evidence,
    Port,
    ScanFinding,
    ScanRecord,
    Severity,
    Sniff,
    Upload,
)
from scanlift.parsers.owaspzap import xml as zap_xml
from scanlift.parsers.owaspzap.alerts import ZapAlert, ZapInstance, ZapSite
from scanlift.parsers.owaspzap.json import iter_alerts
from scanlift.parsers.owaspzap.json import looks_like as _looks_like_zap_json


class OwaspZapParser:
    source: ClassVar[str] = "owaspzap"
    label: ClassVar[str] = "OWASP ZAP"

    def sniff(self, head: Sniff) -> bool:
        if head.kind == "json":
            return _looks_like_zap_json(head.head, top_level_keys(head.head), top_level_is_array(head.head))
        return head.root_name == zap_xml.ROOT

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        yield from records_by_kind(
            upload, self.source, xml=self._parse_xml, json=lambda _head, rest: self._parse_json(rest)
        )

    def _parse_xml(self, upload: Upload) -> Iterator[ScanRecord]:
        for item in zap_xml.iter_alerts(upload, source=self.source):
            if isinstance(item, ZapSite):
                if item.host:
                    yield web_asset(item.host, _ports(item))
            else:
                site, alert = item
                yield from findings(alert, site)

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
