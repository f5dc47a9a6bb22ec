"""PTRAC report assets: the client assets a report carries, with their ports."""

from __future__ import annotations

from typing import Any

from scanlift.parsers.base import (
    InvalidFile,
    Port,
    ScanAsset,
)
from scanlift.parsers.ptrac.values import (
    SOURCE,
    as_list,
    id_text,
    rich_text,
    string,
    strings,
)

_ASSET_TYPES = frozenset({"Workstation", "Server", "Network Device", "Application", "General"})


def report_asset(key: str, doc: Any) -> ScanAsset | None:
    if not isinstance(doc, dict):
        raise InvalidFile(
            SOURCE, f"summary.ReportAssets entry {key or '?'} is {type(doc).__name__}, expected an object"
        )
    name = string(doc.get("asset")).strip() or key or string(doc.get("id")).strip()
    return asset_of(name, doc) if name else None


def asset_of(name: str, doc: dict[str, Any]) -> ScanAsset:
    fqdn = string(doc.get("host_fqdn")).strip()
    dns_name = string(doc.get("dns_name")).strip()
    if not fqdn and dns_name != "DNS Name":  # the Asset object's placeholder default
        fqdn = dns_name
    asset_type = string(doc.get("type")).strip()
    return ScanAsset(
        name=name,
        ips=strings(doc.get("knownIps")),
        hostname=string(doc.get("hostname")).strip(),
        fqdn=fqdn,
        netbios=string(doc.get("netbios_name")).strip(),
        mac=string(doc.get("mac_address")).strip(),
        operating_system=" / ".join(strings(doc.get("operating_system"))),
        type=asset_type if asset_type in _ASSET_TYPES else "",
        description=rich_text(doc.get("description")),
        ports=ports_of(doc.get("ports")),
    )


def ports_of(value: Any) -> tuple[Port, ...]:
    items = list(value.items()) if isinstance(value, dict) else [("", p) for p in as_list(value)]
    ports = []
    for key, port in items:
        if not isinstance(port, dict):
            continue
        number = id_text(port.get("number")) or str(key).strip()
        if number:
            ports.append(
                Port(
                    number=number,
                    protocol=(string(port.get("protocol")).strip() or "tcp").lower(),
                    service=string(port.get("service")).strip(),
                    version=string(port.get("version")).strip(),
                )
            )
    return tuple(ports)
