"""The three OWASP ZAP JSON alert shapes (report, API, export add-on) read into the alert model.

Each builder takes one alert object, already built from the stream by ``owaspzap.json``, and
returns a ``ZapAlert`` (None when the object is not an alert of that shape). Report alerts are
HTML; API and export alerts are plain text. Values read as text by the shared rule
(``_json.value_text``). The shapes carry mostly the same fields under different keys, so the
tables ``_ALERT_KEYS`` and ``_INSTANCE_KEYS`` name each field's key in every shape side by side.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib.json import value_text as text
from scanlift.parsers.owaspzap.alerts import CONFIDENCES, ZapAlert, ZapInstance


class _Keys(NamedTuple):
    """The key a text field has in each shape; None where the shape does not carry the field."""

    report: str | None
    api: str | None
    export: str | None


#: Positions in ``_Keys``.
_REPORT, _API, _EXPORT = range(3)

#: The ``ZapAlert`` fields each shape writes as a plain value under its own key.
_ALERT_KEYS = {
    "alert_ref": _Keys("alertRef", "alertRef", None),
    "description": _Keys("desc", "description", "Desc"),
    "solution": _Keys("solution", "solution", "Solution"),
    "otherinfo": _Keys("otherinfo", None, "OtherInfo"),
    "reference": _Keys("reference", "reference", "Reference"),
    "cweid": _Keys("cweid", "cweid", "CWEID"),
    "wascid": _Keys("wascid", "wascid", "WASCID"),
    "systemic": _Keys("systemic", None, None),
}

#: Every ``ZapInstance`` field. The export add-on writes the method and the URI as one value
#: ("GET : https://…"), which ``export_alert`` splits.
_INSTANCE_KEYS = {
    "uri": _Keys("uri", "url", None),
    "method": _Keys("method", "method", None),
    "param": _Keys("param", "param", "Param"),
    "attack": _Keys("attack", "attack", "Attack"),
    "evidence": _Keys("evidence", "evidence", "Evidence"),
    "otherinfo": _Keys("otherinfo", "other", "OtherInfo"),
    "input_vector": _Keys(None, "inputVector", None),
    "confidence": _Keys(None, "confidence", "Confidence"),
    "request_header": _Keys("request-header", None, "RequestHeader"),
    "request_body": _Keys("request-body", None, "RequestBody"),
    "response_header": _Keys("response-header", None, "ResponseHeader"),
    "response_body": _Keys("response-body", None, "ResponseBody"),
}


def _texts(raw: Mapping[str, Any], table: Mapping[str, _Keys], shape: int) -> dict[str, Any]:
    """Every field of ``table`` by name: its value in ``raw`` as text, "" where ``shape`` lacks it.

    Typed ``Any`` because the values go by keyword into constructors whose other fields are not text.
    """
    values: dict[str, Any] = {}
    for name, keys in table.items():
        key = keys[shape]
        values[name] = text(raw.get(key)) if key is not None else ""
    return values


def is_api_item(keys: set[str]) -> bool:
    return "pluginId" in keys and bool(keys & {"risk", "riskcode"}) and bool(keys & {"alert", "name"})


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


def report_alert(raw: Any) -> ZapAlert | None:
    if not isinstance(raw, Mapping):
        return None
    plugin_id = text(raw.get("pluginid"))
    title = text(raw.get("alert")) or text(raw.get("name"))
    if not plugin_id and not title:
        return None
    riskcode = text(raw.get("riskcode")).strip()
    confidence = text(raw.get("confidence")).strip()
    instances = tuple(
        ZapInstance(**_texts(i, _INSTANCE_KEYS, _REPORT))
        for i in _as_list(raw.get("instances"))
        if isinstance(i, Mapping)
    )
    return ZapAlert(
        plugin_id=plugin_id,
        title=title or f"ZAP alert {plugin_id}",
        risk=text(raw.get("riskdesc")) or riskcode,
        severity=_severity.from_scale(riskcode, _severity.ZAP_RISKCODES),
        confidence=CONFIDENCES.get(confidence, confidence),
        tags=_tags(raw.get("tags")),
        instances=instances,
        is_html=True,
        **_texts(raw, _ALERT_KEYS, _REPORT),
    )


def api_alert(raw: Any) -> ZapAlert | None:
    if not isinstance(raw, Mapping) or not is_api_item(set(raw)):
        return None
    risk = text(raw.get("risk")) or text(raw.get("riskcode"))
    severity = _severity.from_label(risk) or _severity.from_scale(risk, _severity.ZAP_RISKCODES)
    plugin_id = text(raw.get("pluginId"))
    return ZapAlert(
        plugin_id=plugin_id,
        title=text(raw.get("alert")) or text(raw.get("name")) or f"ZAP alert {plugin_id}",
        risk=risk,
        severity=severity,
        tags=_tags(raw.get("tags")),
        instances=(ZapInstance(**_texts(raw, _INSTANCE_KEYS, _API)),),
        is_html=False,
        **_texts(raw, _ALERT_KEYS, _API),
    )


def export_alert(raw: Any) -> ZapAlert | None:
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
        values = _texts(item, _INSTANCE_KEYS, _EXPORT) | {"uri": uri.strip(), "method": method.strip()}
        instances.append(ZapInstance(**values))
    return ZapAlert(
        plugin_id=plugin_id,
        title=title or f"ZAP alert {plugin_id}",
        risk=text(raw.get("RiskDesc")) or riskcode,
        severity=severity,
        instances=tuple(instances),
        is_html=False,
        **_texts(raw, _ALERT_KEYS, _EXPORT),
    )
