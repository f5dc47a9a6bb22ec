"""OWASP ZAP JSON in its three shapes, read as a stream into the alert model (``alerts``).

Shapes (see docs/sources.md (owaspzap)):

- **report**: the traditional JSON report, ``{"@version", "site": [{"@host", "@port", "@ssl",
  "alerts": [alert…]}]}``; each alert carries ``instances``. Text fields are HTML.
- **api**: the ZAP API alert list, a bare array (or ``{"alerts": [...]}``) of alert objects,
  one per instance, with ``pluginId`` and ``risk``/``confidence`` as words. Plain text.
- **export**: the old "Export Report" add-on, ``{"Report": {"Sites": {"Host", "Port", "SSL",
  "Alerts": {"AlertItem": …}}}}``, where ``Sites``, ``AlertItem`` and ``Item`` are objects when
  single and arrays when several. Plain text.

Streaming: ``_json.iter_items`` yields one prefix only and a site's ``@host`` sits beside its
``alerts``, so this module walks the shared event stream (``_json.json_events``) and builds one
alert object at a time (``_json.build_value``); a site's scalar attributes are remembered while
its alerts stream past. When a site's host, port and ssl are not all known by the time its
alerts start (the report template always writes them first; the export add-on's XML-to-JSON
conversion may not), that site's alerts are held until the site ends.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

from scanlift.parsers._lib.json import build_value, json_events, keys_at
from scanlift.parsers._lib.json import value_text as text
from scanlift.parsers._lib.webscan import truthy, url_target
from scanlift.parsers.base import InvalidFile
from scanlift.parsers.owaspzap.alerts import ZapAlert, ZapItem, ZapSite
from scanlift.parsers.owaspzap.json_shapes import api_alert, export_alert, is_api_item, report_alert

_REPORT_SITES = frozenset({"site", "site.item"})
_REPORT_ALERTS = frozenset({"site.alerts.item", "site.item.alerts.item"})
_EXPORT_SITES = frozenset({"Report.Sites", "Report.Sites.item"})
_EXPORT_ALERTS = frozenset(f"{site}.Alerts.AlertItem{item}" for site in _EXPORT_SITES for item in ("", ".item"))
_API_ALERTS = frozenset({"item", "alerts.item"})
_EXPORT_KEYS = frozenset({"Sites", "ReportVersion", "ScanVersion"})
_SCALARS = frozenset({"string", "number", "boolean", "null"})


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
            alert = report_alert(raw) if prefix in _REPORT_ALERTS else export_alert(raw)
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
            listed = api_alert(raw)
            if listed is None:
                keys = ", ".join(sorted(raw)[:12]) if isinstance(raw, dict) else type(raw).__name__
                raise InvalidFile(source, f"item {index} is not a ZAP API alert (keys: {keys})")
            yield None, listed
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
            return is_api_item(keys_at(head, "alerts.item"))
        return False
    return top_is_array and is_api_item(keys_at(head, "item"))


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
