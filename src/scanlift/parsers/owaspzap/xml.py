"""OWASP ZAP XML (``<OWASPZAPReport>`` of ``<site>`` of ``<alertitem>``), read into the alert model.

Streamed with ``iter_elements`` one ``alertitem`` at a time; a site is yielded when it ends,
after its alerts, each of which names the site it sits in. Legacy (ZAP 1.4) reports put one
instance's fields directly under the alert, without ``<instances>``.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib.webscan import child_text, truthy, url_target
from scanlift.parsers._lib.xml import iter_elements, local_name
from scanlift.parsers.base import Upload
from scanlift.parsers.owaspzap.alerts import CONFIDENCES, ZapAlert, ZapInstance, ZapItem, ZapSite

ROOT = "OWASPZAPReport"

#: alertitem children that legacy (ZAP 1.4) reports put directly under the alert, without <instances>.
_LEGACY_INSTANCE_TAGS = ("uri", "param", "attack", "evidence")


def iter_alerts(upload: Upload, *, source: str) -> Iterator[ZapItem]:
    """Yield ``(site, alert)`` for each alert item and a ``ZapSite`` when a site is complete."""
    for element in iter_elements(
        upload.stream, source=source, roots=(ROOT,), tags=("alertitem", "site"), head=upload.head
    ):
        if local_name(element.tag) == "site":
            yield _xml_site(element)
        else:
            yield _enclosing_site(element), _xml_alert(element)


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
