"""OWASP ZAP JSON in its three shapes, read as a stream, plus the alert model shared with ZAP XML.

Shapes (see docs/sources.md (owaspzap)):

- **report**: the traditional JSON report, ``{"@version", "site": [{"@host", "@port", "@ssl",
  "alerts": [alert…]}]}``; each alert carries ``instances``. Text fields are HTML.
- **api**: the ZAP API alert list, a bare array (or ``{"alerts": [...]}``) of alert objects,
  one per instance, with ``pluginId`` and ``risk``/``confidence`` as words. Plain text.
- **export**: the old "Export Report" add-on, ``{"Report": {"Sites": {"Host", "Port", "SSL",
  "Alerts": {"AlertItem": …}}}}``, where ``Sites``, ``AlertItem`` and ``Item`` are objects when
  single and arrays when several. Plain text.

Streaming: ``_json.iter_items`` yields one prefix only and a site's ``@host`` sits beside its
``alerts``, so this module walks ijson's event stream itself and builds one alert object at a
time; a site's scalar attributes are remembered while its alerts stream past. When a site's
host, port and ssl are not all known by the time its alerts start (the report template always
writes them first; the export add-on's XML-to-JSON conversion may not), that site's alerts are
held until the site ends.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib.json import build_value, json_events, keys_at
from scanlift.parsers._lib.json import value_text as text
from scanlift.parsers._lib.webscan import truthy, url_target
from scanlift.parsers.base import InvalidFile, Severity

#: ZAP ``confidence`` codes as ZAP's UI names them.
CONFIDENCES: Mapping[str, str] = {
    "0": "False Positive",
    "1": "Low",
    "2": "Medium",
    "3": "High",
    "4": "Confirmed",
}

_REPORT_SITES = frozenset({"site", "site.item"})
_REPORT_ALERTS = frozenset({"site.alerts.item", "site.item.alerts.item"})
_EXPORT_SITES = frozenset({"Report.Sites", "Report.Sites.item"})
_EXPORT_ALERTS = frozenset(f"{site}.Alerts.AlertItem{item}" for site in _EXPORT_SITES for item in ("", ".item"))
_API_ALERTS = frozenset({"item", "alerts.item"})
_EXPORT_KEYS = frozenset({"Sites", "ReportVersion", "ScanVersion"})
_SCALARS = frozenset({"string", "number", "boolean", "null"})


@dataclass(frozen=True, slots=True)
class ZapSite:
    host: str
    port: str = ""
    ssl: bool | None = None
    name: str = ""


@dataclass(frozen=True, slots=True)
class ZapInstance:
    uri: str = ""
    method: str = ""
    param: str = ""
    attack: str = ""
    evidence: str = ""
    otherinfo: str = ""
    input_vector: str = ""
    confidence: str = ""
    request_header: str = ""
    request_body: str = ""
    response_header: str = ""
    response_body: str = ""


@dataclass(frozen=True, slots=True)
class ZapAlert:
    """One alert type on one site (report/XML), or one alert instance (API)."""

    plugin_id: str
    alert_ref: str
    title: str
    risk: str
    severity: Severity | None
    confidence: str = ""
    description: str = ""
    solution: str = ""
    otherinfo: str = ""
    reference: str = ""
    cweid: str = ""
    wascid: str = ""
    systemic: str = ""
    tags: tuple[tuple[str, str], ...] = ()
    instances: tuple[ZapInstance, ...] = ()
    #: True when text fields are HTML (report JSON and XML), False for plain text.
    is_html: bool = True


ZapItem = ZapSite | tuple[ZapSite | None, ZapAlert]


def iter_alerts(stream: BinaryIO, *, source: str) -> Iterator[ZapItem]:
    """Yield ``(site, alert)`` for each alert and a ``ZapSite`` when a site is complete.

    The site is None for API alerts, which name their URL per instance.
    """
    events = json_events(stream, source=source)
    top_keys: list[str] = []
    top_is_array = False
    recognised = False
    site: dict[str, Any] | None = None
    pending: list[ZapAlert] = []
    index = 0
    for prefix, event, value in events:
        if prefix == "":
            if event == "map_key" and len(top_keys) < 20:
                top_keys.append(str(value))
            elif event == "start_array":
                top_is_array = recognised = True
            elif event in _SCALARS:
                raise InvalidFile(source, f"the JSON document is a bare {event}, not a ZAP report")
            continue
        if event == "start_map" and (prefix in _REPORT_ALERTS or prefix in _EXPORT_ALERTS):
            index += 1
            raw = build_value(events, event, value)
            alert = _report_alert(raw) if prefix in _REPORT_ALERTS else _export_alert(raw)
            if alert is None:
                raise InvalidFile(source, f"alert {index} has neither a plugin id nor a name")
            context = _site_of(site or {})
            if context is not None and context.host and context.port and context.ssl is not None:
                yield context, alert
            else:
                pending.append(alert)
            continue
        if event == "start_map" and prefix in _API_ALERTS and (prefix != "item" or top_is_array):
            index += 1
            raw = build_value(events, event, value)
            api_alert = _api_alert(raw)
            if api_alert is None:
                keys = ", ".join(sorted(raw)[:12]) if isinstance(raw, dict) else type(raw).__name__
                raise InvalidFile(source, f"item {index} is not a ZAP API alert (keys: {keys})")
            yield None, api_alert
            continue
        if prefix == "item" and top_is_array and (event in _SCALARS or event == "start_array"):
            kind = "an array" if event == "start_array" else f"a {event}"
            raise InvalidFile(source, f"item {index + 1} of the top-level array is {kind}, not a ZAP alert")
        if prefix == "Report" and event == "map_key" and value in _EXPORT_KEYS:
            recognised = True
            continue
        if prefix in _REPORT_SITES or prefix in _EXPORT_SITES:
            if event in ("start_array", "start_map"):
                recognised = True
            if event == "start_map":
                site, pending = {}, []
            elif event == "end_map":
                finished = _site_of(site or {}) or ZapSite(host="")
                yield from ((finished, alert) for alert in pending)
                yield finished
                site, pending = None, []
            continue
        if prefix == "alerts" and event == "start_array":
            recognised = True
            continue
        if site is not None and event in _SCALARS:
            parent, _, key = prefix.rpartition(".")
            if parent in _REPORT_SITES or parent in _EXPORT_SITES:
                site[key] = value
    if not recognised:
        found = ", ".join(top_keys) if top_keys else "none"
        raise InvalidFile(
            source,
            f"top-level keys are {found}; expected '@version' and 'site' (ZAP JSON report), "
            "'Report' (Export Report add-on) or an array of ZAP API alerts",
        )


def looks_like(head: bytes, keys: set[str] | None, top_is_array: bool) -> bool:
    """Whether the first bytes are one of the three ZAP JSON shapes."""
    if keys is not None:
        if "@version" in keys and keys & {"site", "@generated", "@programName"}:
            return True
        if "Report" in keys:
            return bool(keys_at(head, "Report") & _EXPORT_KEYS)
        if "alerts" in keys:
            return _is_api_item(keys_at(head, "alerts.item"))
        return False
    return top_is_array and _is_api_item(keys_at(head, "item"))


def _is_api_item(keys: set[str]) -> bool:
    return "pluginId" in keys and bool(keys & {"risk", "riskcode"}) and bool(keys & {"alert", "name"})


def _site_of(attributes: Mapping[str, Any]) -> ZapSite | None:
    if not attributes:
        return None
    name = text(attributes.get("@name") or attributes.get("Name"))
    host = text(attributes.get("@host") or attributes.get("Host"))
    port = text(attributes.get("@port") or attributes.get("Port"))
    ssl = truthy(attributes.get("@ssl", attributes.get("SSL")))
    if not host and name:
        host, _ = url_target(name)
    return ZapSite(host=host, port=port, ssl=ssl, name=name)


def _as_list(value: Any) -> list[Any]:
    """The export add-on writes one child as an object and several as an array."""
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def _tags(value: Any) -> tuple[tuple[str, str], ...]:
    if isinstance(value, Mapping):  # API: {"CWE-79": "https://…"}
        return tuple((text(k), text(v)) for k, v in value.items() if text(k))
    tags = []
    for entry in _as_list(value):  # report: [{"tag": …, "link": …}]
        if isinstance(entry, Mapping) and text(entry.get("tag")):
            tags.append((text(entry.get("tag")), text(entry.get("link"))))
    return tuple(tags)


def _report_alert(raw: Any) -> ZapAlert | None:
    if not isinstance(raw, Mapping):
        return None
    plugin_id = text(raw.get("pluginid"))
    title = text(raw.get("alert")) or text(raw.get("name"))
    if not plugin_id and not title:
        return None
    riskcode = text(raw.get("riskcode")).strip()
    confidence = text(raw.get("confidence")).strip()
    instances = tuple(
        ZapInstance(
            uri=text(i.get("uri")),
            method=text(i.get("method")),
            param=text(i.get("param")),
            attack=text(i.get("attack")),
            evidence=text(i.get("evidence")),
            otherinfo=text(i.get("otherinfo")),
            request_header=text(i.get("request-header")),
            request_body=text(i.get("request-body")),
            response_header=text(i.get("response-header")),
            response_body=text(i.get("response-body")),
        )
        for i in _as_list(raw.get("instances"))
        if isinstance(i, Mapping)
    )
    return ZapAlert(
        plugin_id=plugin_id,
        alert_ref=text(raw.get("alertRef")),
        title=title or f"ZAP alert {plugin_id}",
        risk=text(raw.get("riskdesc")) or riskcode,
        severity=_severity.from_scale(riskcode, _severity.ZAP_RISKCODES),
        confidence=CONFIDENCES.get(confidence, confidence),
        description=text(raw.get("desc")),
        solution=text(raw.get("solution")),
        otherinfo=text(raw.get("otherinfo")),
        reference=text(raw.get("reference")),
        cweid=text(raw.get("cweid")),
        wascid=text(raw.get("wascid")),
        systemic=text(raw.get("systemic")),
        tags=_tags(raw.get("tags")),
        instances=instances,
        is_html=True,
    )


def _api_alert(raw: Any) -> ZapAlert | None:
    if not isinstance(raw, Mapping) or not _is_api_item(set(raw)):
        return None
    risk = text(raw.get("risk")) or text(raw.get("riskcode"))
    severity = _severity.from_label(risk) or _severity.from_scale(risk, _severity.ZAP_RISKCODES)
    plugin_id = text(raw.get("pluginId"))
    instance = ZapInstance(
        uri=text(raw.get("url")),
        method=text(raw.get("method")),
        param=text(raw.get("param")),
        attack=text(raw.get("attack")),
        evidence=text(raw.get("evidence")),
        otherinfo=text(raw.get("other")),
        input_vector=text(raw.get("inputVector")),
        confidence=text(raw.get("confidence")),
    )
    return ZapAlert(
        plugin_id=plugin_id,
        alert_ref=text(raw.get("alertRef")),
        title=text(raw.get("alert")) or text(raw.get("name")) or f"ZAP alert {plugin_id}",
        risk=risk,
        severity=severity,
        description=text(raw.get("description")),
        solution=text(raw.get("solution")),
        reference=text(raw.get("reference")),
        cweid=text(raw.get("cweid")),
        wascid=text(raw.get("wascid")),
        tags=_tags(raw.get("tags")),
        instances=(instance,),
        is_html=False,
    )


def _export_alert(raw: Any) -> ZapAlert | None:
    if not isinstance(raw, Mapping):
        return None
    plugin_id = text(raw.get("PluginID"))
    title = text(raw.get("Alert"))
    if not plugin_id and not title:
        return None
    riskcode = text(raw.get("RiskCode")).strip()
    severity = _severity.from_scale(riskcode, _severity.ZAP_RISKCODES) or _severity.from_label(
        text(raw.get("RiskDesc"))
    )
    instances = []
    for item in _as_list(raw.get("Item")):
        if not isinstance(item, Mapping):
            continue
        method, separator, uri = text(item.get("URI")).partition(" : ")
        if not separator:
            method, uri = "", method
        instances.append(
            ZapInstance(
                uri=uri.strip(),
                method=method.strip(),
                param=text(item.get("Param")),
                attack=text(item.get("Attack")),
                evidence=text(item.get("Evidence")),
                otherinfo=text(item.get("OtherInfo")),
                confidence=text(item.get("Confidence")),
                request_header=text(item.get("RequestHeader")),
                request_body=text(item.get("RequestBody")),
                response_header=text(item.get("ResponseHeader")),
                response_body=text(item.get("ResponseBody")),
            )
        )
    return ZapAlert(
        plugin_id=plugin_id,
        alert_ref="",
        title=title or f"ZAP alert {plugin_id}",
        risk=text(raw.get("RiskDesc")) or riskcode,
        severity=severity,
        description=text(raw.get("Desc")),
        solution=text(raw.get("Solution")),
        otherinfo=text(raw.get("OtherInfo")),
        reference=text(raw.get("Reference")),
        cweid=text(raw.get("CWEID")),
        wascid=text(raw.get("WASCID")),
        instances=tuple(instances),
        is_html=False,
    )
