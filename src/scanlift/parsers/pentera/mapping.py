"""Pentera items to records: a ``hosts`` item to an asset, a ``vulnerabilities`` item to a finding.

The mapping is described in the package's docstring (and docs/sources.md (pentera)). Private to
the pentera parser.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.json import value_text
from scanlift.parsers.base import Evidence, InvalidFile, Port, ScanAsset, ScanFinding, Severity

_CVE_SUFFIX_RE = re.compile(r"\s*\(\s*CVE-\d{4}-\d{4,}(?:\s*[,;]\s*CVE-\d{4}-\d{4,})*\s*\)\s*$", re.IGNORECASE)
_FOUND_ON_RE = re.compile(r"^\s*(?:target|host)\s*:\s*([^,\s]+)", re.IGNORECASE)
#: Vulnerability keys mapped to finding fields; every other key goes to the record evidence.
_MAPPED_KEYS = frozenset({"name", "summary", "remediation", "insight", "severity", "priority", "port", "protocol"})


@dataclass(frozen=True, slots=True)
class Host:
    """What a vulnerability needs from the host its ``target_id`` points to."""

    name: str
    #: port number -> transport ("tcp"/"udp") from the host's services.
    transports: Mapping[str, str]


def kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__}"


def _text_of(value: Any) -> str:
    return _text.clean(value_text(value))


# --- hosts ----------------------------------------------------------------------------------------


def host(item: dict[str, Any]) -> tuple[ScanAsset, Host]:
    domain = item.get("domain")
    if not isinstance(domain, dict):
        domain = {}
    ip = _text_of(item.get("ip"))
    hostname = _text_of(item.get("hostname"))
    fqdn = _text_of(domain.get("FQDN"))
    name = ip or hostname or fqdn or _text_of(item.get("id"))
    ports: dict[tuple[str, str], Port] = {}
    transports: dict[str, str] = {}
    services = item.get("services")
    if not isinstance(services, list):
        services = []
    for service in services:
        if not isinstance(service, dict) or service.get("port") in (None, ""):
            continue
        number = _text_of(service.get("port"))
        protocol = (_text_of(service.get("transport")) or "tcp").lower()
        transports.setdefault(number, protocol)
        state = _text_of(service.get("state") or service.get("status")).lower()
        if state in ("", "open"):
            ports.setdefault(
                (number, protocol),
                Port(number=number, protocol=protocol, service=_text_of(service.get("name"))),
            )
    asset = ScanAsset(
        name=name,
        ips=_ids.unique([ip]),
        hostname=hostname,
        fqdn=fqdn,
        netbios=_text_of(domain.get("netBIOS")),
        operating_system=_text_of(item.get("os_name")) or _text_of(item.get("os_type")),
        description=_host_description(item, domain),
        ports=tuple(ports.values()),
    )
    return asset, Host(name=name, transports=transports)


def _host_description(item: dict[str, Any], domain: dict[str, Any]) -> str:
    """Host facts with no asset field of their own, as "label: value" lines."""
    facts = [
        ("Pentera host id", item.get("id")),
        ("Domain", domain.get("name")),
        ("OS type", item.get("os_type") if item.get("os_name") else None),
        ("Vendor", item.get("vendor")),
        ("Task run id", item.get("task_run_id")),
    ]
    return "\n".join(f"{label}: {_text_of(value)}" for label, value in facts if _text_of(value))


# --- vulnerabilities ----------------------------------------------------------------------------


def finding(item: Any, index: int, hosts: Mapping[str, Host], source: str) -> ScanFinding:
    if not isinstance(item, dict):
        raise InvalidFile(source, f"vulnerabilities item {index} is {kind_of(item)}, expected an object")
    name = _text_of(item.get("name"))
    if not name:
        keys = ", ".join(sorted(item)) or "none"
        raise InvalidFile(source, f"vulnerabilities item {index} has no name (its keys are {keys})")
    title = _CVE_SUFFIX_RE.sub("", name).strip() or name
    summary = _text_of(item.get("summary"))
    remediation = _text_of(item.get("remediation"))
    insight = _text_of(item.get("insight"))
    found_on = _text_of(item.get("found_on"))

    host = hosts.get(_text_of(item.get("target_id")))
    asset = host.name if host else _host_from_found_on(found_on)
    port = None
    number = _text_of(item.get("port"))
    if number and number != "0":
        transport = host.transports.get(number, "tcp") if host else "tcp"
        port = Port(number=number, protocol=transport, service=_text_of(item.get("protocol")))

    raw_severity = item.get("severity")
    severity = _severity_of(raw_severity)
    fields = [
        ("Pentera Severity Score", _text_of(raw_severity)),
        ("Pentera Priority", _text_of(item.get("priority"))),
    ]
    evidence = []
    where = found_on or asset or "the target"
    if insight:
        evidence.append(Evidence(caption=f"Pentera insight ({where})", code=insight))
    record = _record_lines(item)
    if record:
        evidence.append(Evidence(caption=f"Pentera vulnerability record ({where})", code="\n".join(record)))
    return ScanFinding(
        flaw_id=_ids.title_flaw_id(title),
        title=title,
        severity=severity or Severity.INFORMATIONAL,
        description=summary,
        recommendations=remediation,
        cves=_ids.find_cves(name, summary, insight, remediation),
        fields=tuple((label, value) for label, value in fields if value),
        asset=asset or None,
        port=port,
        evidence=tuple(evidence),
    )


def _host_from_found_on(found_on: str) -> str:
    match = _FOUND_ON_RE.match(found_on)
    return match.group(1) if match else ""


def _severity_of(value: Any) -> Severity | None:
    """Pentera's 0-10 score in Pentera's own buckets; a severity word is taken as is."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            score = float(value)
        except ValueError:
            return _severity.from_label(value)
    elif isinstance(value, int | float):
        score = float(value)
    else:
        return None
    return _severity.from_bands(score, _severity.PENTERA_BANDS)


def _record_lines(item: dict[str, Any]) -> list[str]:
    """Every key not mapped to a finding field, verbatim (epoch times also shown in UTC)."""
    lines = []
    for key, value in item.items():
        if key in _MAPPED_KEYS or value in (None, "", [], {}):
            continue
        text = json.dumps(value, default=str, ensure_ascii=False) if isinstance(value, dict | list) else _text_of(value)
        if key == "creation_time" and isinstance(value, int | float) and not isinstance(value, bool):
            with contextlib.suppress(OverflowError, OSError, ValueError):
                text += f" ({datetime.fromtimestamp(value / 1000, tz=UTC).isoformat()})"
        lines.append(f"{key}: {text}")
    return lines
