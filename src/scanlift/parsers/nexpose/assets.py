"""Nexpose nodes as assets: names, addresses, ports, operating systems."""

from __future__ import annotations

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers.base import (
    Port,
    ScanAsset,
)
from scanlift.parsers.nexpose.markup import children_of

# --- assets --------------------------------------------------------------------------------


def node_name(node: etree._Element) -> str:
    return (node.get("address") or "").strip() or next(iter(_names(node)), "")


def _names(node: etree._Element) -> tuple[str, ...]:
    return _ids.unique((n.text or "") for n in children_of(node, "names", "name"))


def node_asset(node: etree._Element) -> ScanAsset:
    address = (node.get("address") or "").strip()
    names = _names(node)
    oses = children_of(node, "fingerprints", "os")
    ports = [
        endpoint_port(endpoint, _first(endpoint, "services", "service"))
        for endpoint in children_of(node, "endpoints", "endpoint")
        if (endpoint.get("status") or "open") == "open"
    ]
    return ScanAsset(
        name=node_name(node),
        ips=(address,) if address else (),
        hostname=names[0].split(".", 1)[0] if names else "",
        fqdn=next((n for n in names if "." in n and not _looks_like_ip(n)), ""),
        mac=_mac(node.get("hardware-address") or ""),
        operating_system=_fingerprint_text(_most_certain(oses)) if oses else "",
        ports=tuple(dict.fromkeys(ports)),
    )


def endpoint_port(endpoint: etree._Element, service: etree._Element | None) -> Port:
    version = ""
    if service is not None:
        prints = children_of(service, "fingerprints", "fingerprint")
        version = _fingerprint_text(_most_certain(prints)) if prints else ""
    return Port(
        number=(endpoint.get("port") or "").strip(),
        protocol=(endpoint.get("protocol") or "tcp").strip().lower(),
        service=(service.get("name") or "").strip() if service is not None else "",
        version=version,
    )


def _first(parent: etree._Element, container: str, child: str) -> etree._Element | None:
    found = children_of(parent, container, child)
    return found[0] if found else None


def _most_certain(prints: list[etree._Element]) -> etree._Element:
    def certainty(element: etree._Element) -> float:
        try:
            return float(element.get("certainty") or 0)
        except ValueError:
            return 0.0

    return max(prints, key=certainty)


def _fingerprint_text(print_: etree._Element) -> str:
    """ "Ubuntu Linux 20.04" from vendor/family/product/version, without repeated words."""
    vendor, product, version = ((print_.get(a) or "").strip() for a in ("vendor", "product", "version"))
    product = product or (print_.get("family") or "").strip()
    if vendor and product.lower().startswith(vendor.lower()):
        vendor = ""
    return " ".join(p for p in (vendor, product, version) if p)


def _mac(raw: str) -> str:
    raw = raw.strip()
    if len(raw) == 12 and all(c in "0123456789abcdefABCDEF" for c in raw):
        return ":".join(raw[i : i + 2] for i in range(0, 12, 2)).upper()
    return raw


def _looks_like_ip(text: str) -> bool:
    return all(part.isdigit() for part in text.split("."))
