"""Veracode Findings API values: statuses, annotations, hosts from URLs, and JSON values as text."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from scanlift.parsers._lib.json import value_text
from scanlift.parsers.base import (
    Port,
    ScanAsset,
)

#: Veracode static exploitability (XML ``exploitLevel``, JSON ``exploitability``), -2…2.
EXPLOIT_LEVELS: Mapping[str, str] = {
    "-2": "Very Unlikely",
    "-1": "Unlikely",
    "0": "Neutral",
    "1": "Likely",
    "2": "Very Likely",
}

_DEFAULT_PORTS = {"http": "80", "https": "443"}


# ---------------------------------------------------------------------------------------------
# Shared with the XML reader and between scan types


def status_fields(item: Mapping[str, Any]) -> list[tuple[str, str]]:
    status = as_object(item.get("finding_status"))
    return [
        ("Remediation Status", text_of(status.get("status"))),
        ("Resolution", text_of(status.get("resolution"))),
        ("Resolution Status", text_of(status.get("resolution_status"))),
        ("Mitigation Review Status", text_of(status.get("mitigation_review_status"))),
        ("New", text_of(status.get("new"))),
        ("First Found", text_of(status.get("first_found_date"))),
        ("Last Seen", text_of(status.get("last_seen_date"))),
        ("Affects Policy Compliance", text_of(item.get("violates_policy"))),
        ("Mitigations", _annotations(item.get("annotations"))),
        ("Build ID", text_of(item.get("build_id"))),
    ]


def _annotations(value: Any) -> str:
    """Mitigation proposals and reviews (``include_annot=true``), one line each as in the XML."""
    lines = []
    for annotation in map(as_object, as_list(value)):
        who = " by ".join(p for p in (text_of(annotation.get("action")), text_of(annotation.get("user_name"))) if p)
        when = f" on {text_of(annotation.get('created'))}" if annotation.get("created") else ""
        what = f": {text_of(annotation.get('comment'))}" if annotation.get("comment") else ""
        lines.append(f"{who}{when}{what}".strip())
    return "\n".join(line for line in lines if line)


def exploit_level(value: Any) -> str:
    level = int_text(value)
    return EXPLOIT_LEVELS.get(level, level)


def url_host(url: str, fallback: str) -> tuple[str, Port | None]:
    """The host of a flaw's URL and its port (explicit, else 80/443 by scheme); ``fallback`` if none."""
    try:
        parts = urlsplit(url)
        explicit = parts.port
    except ValueError:
        return fallback, None
    host = parts.hostname or ""
    if not host:
        return fallback, None
    number = str(explicit) if explicit else _DEFAULT_PORTS.get(parts.scheme.lower(), "")
    return host, Port(number=number, service=parts.scheme.lower()) if number else None


def host_asset(name: str, ports: tuple[Port, ...]) -> ScanAsset:
    """The asset record of a dynamic flaw's host (an IP address or a host name)."""
    try:
        ip = str(ipaddress.ip_address(name))
    except ValueError:
        return ScanAsset(name=name, hostname=name, ports=ports)
    return ScanAsset(name=name, ips=(ip,), ports=ports)


def text_of(value: Any) -> str:
    return value_text(value).strip()


def int_text(value: Any) -> str:
    """``3``, ``3.0`` or ``"3"`` -> ``"3"``: how scale values are looked up."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return text_of(value)


def as_object(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a string" if isinstance(value, str) else "an array"
