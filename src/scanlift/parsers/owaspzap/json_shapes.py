"""The three OWASP ZAP JSON alert shapes (report, API, export add-on) read into the alert model.

Each builder takes one alert object, already built from the stream by ``owaspzap.json``, and
returns a ``ZapAlert`` (None when the object is not an alert of that shape). Report alerts are
HTML; API and export alerts are plain text. Values read as text by the shared rule
(``_json.value_text``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib.json import value_text as text
from scanlift.parsers.owaspzap.alerts import CONFIDENCES, ZapAlert, ZapInstance


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


def api_alert(raw: Any) -> ZapAlert | None:
    if not isinstance(raw, Mapping) or not is_api_item(set(raw)):
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
