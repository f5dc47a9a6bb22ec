"""Hosts of the Qualys VM XML reports: their names, their assets, and the evidence of a result."""

from __future__ import annotations

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import text as _text
from scanlift.parsers.base import Evidence, Port, ScanAsset
from scanlift.parsers.qualys import common as _qualys
from scanlift.parsers.qualys.common import child_text


def host_name(host: etree._Element | None) -> str:
    """Hosts are named by IP address; DNS, NetBIOS or the Qualys host id when there is none."""
    if host is None:
        return ""
    for tag in ("IP", "IPV6", "DNS", "NETBIOS", "HOST_ID", "ID", "ASSET_ID"):
        text = child_text(host, tag)
        if text:
            return text
    return ""


def host_asset(host: etree._Element, ports: tuple[Port, ...]) -> ScanAsset:
    dns = child_text(host, "DNS") or child_text(host, "DNS_DATA/FQDN")
    hostname = child_text(host, "DNS_DATA/HOSTNAME")
    return asset(
        host_name(host),
        ips=(child_text(host, "IP"), child_text(host, "IPV6")),
        dns=dns,
        hostname=hostname,
        netbios=child_text(host, "NETBIOS"),
        operating_system=child_text(host, "OPERATING_SYSTEM") or child_text(host, "OS"),
        ports=ports,
        description=_qualys.facts(
            (
                ("Tracking method", child_text(host, "TRACKING_METHOD")),
                ("Qualys host ID", child_text(host, "HOST_ID") or child_text(host, "ID")),
                ("Qualys asset ID", child_text(host, "ASSET_ID")),
                ("OS CPE", child_text(host, "OS_CPE")),
                ("Asset groups", ", ".join(_qualys.texts(host, "ASSET_GROUPS/ASSET_GROUP_TITLE"))),
                ("Last scan", child_text(host, "LAST_SCAN_DATETIME")),
            )
        ),
    )


def asset(
    name: str,
    *,
    ips: tuple[str, ...],
    dns: str,
    hostname: str = "",
    netbios: str = "",
    operating_system: str = "",
    ports: tuple[Port, ...] = (),
    description: str = "",
) -> ScanAsset:
    fqdn = dns if "." in dns else ""
    return ScanAsset(
        name=name,
        ips=_ids.unique(ips),
        hostname=hostname or (dns.split(".", 1)[0] if dns else ""),
        fqdn=fqdn,
        netbios=netbios,
        operating_system=_text.clean(operating_system),
        description=description,
        ports=ports,
    )


def grandparent(element: etree._Element) -> etree._Element | None:
    parent = element.getparent()
    return parent.getparent() if parent is not None else None


def result_evidence(
    result: etree._Element | None, port: Port | None, details: list[tuple[str, str]]
) -> tuple[Evidence, ...]:
    text = (result.text or "").strip("\r\n") if result is not None else ""
    if not text.strip():
        return ()
    where = _qualys.port_label(port)
    base = f"Result ({where})" if where else "Result"
    return (Evidence(caption=_qualys.caption(base, details), code=text),)
