"""The OWASP ZAP alert model that the XML and JSON readers fill and the mapping reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from scanlift.parsers.base import Severity

#: ZAP ``confidence`` codes as ZAP's UI names them.
CONFIDENCES: Mapping[str, str] = {
    "0": "False Positive",
    "1": "Low",
    "2": "Medium",
    "3": "High",
    "4": "Confirmed",
}


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
