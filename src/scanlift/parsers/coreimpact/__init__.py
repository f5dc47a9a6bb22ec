"""Core Impact XML export of workspace entities (``<entities creator="CORE IMPACT">``).

Mapping (see docs/sources.md (coreimpact)): every datum is a typed ``property`` with a ``key``.
Each ``entity[@class='host']`` is one asset named by its ``ip`` (else ``display_name``), with the
DNS names, OS and the open ports and services of its direct ``services``/``tcp_ports``/``udp_ports``
properties. Each module under ``Vulnerabilities/<vulnerability id>/Modules/<module title>`` that is a
direct child of the host is one sighting: identity is the vulnerability id (a CVE in practice)
together with the module title, the title is the module title (with the id appended when the
title does not contain it, so two modules never share a title), the description and port are the
module's leaves, and the remaining module leaves plus the vulnerability's ``Identities`` are
evidence. ``Imported Data`` (copies of Nmap/Nessus imports) and ``Solved Vulnerabilities`` are
not findings.

Core Impact exports carry no severity, so these findings are Informational (PlexTrac's own
default for a missing severity) with a custom field saying so; re-rate them in the report. Two
layouts known only from importer code are read too: the 2017R1 ``exposures`` containers (title,
description, severity, service leaves) and ``entity[@class='agent']`` (a deployed agent, i.e. a
compromised host, reported as a High "Core Impact agent deployed" finding as other importers do).

Streaming: one ``entity`` at a time through ``iter_elements``, freed after use.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib.xml import iter_elements
from scanlift.parsers.base import InvalidFile, Port, ScanAsset, ScanRecord, Sniff, Upload
from scanlift.parsers.coreimpact.findings import agent_records, exposure_finding, vulnerability_findings
from scanlift.parsers.coreimpact.properties import is_container, leaf, prop, props

ROOT = "entities"
CREATOR = "CORE IMPACT"


class CoreImpactParser:
    source: ClassVar[str] = "coreimpact"
    label: ClassVar[str] = "Core Impact"

    def sniff(self, head: Sniff) -> bool:
        root = head.xml_root
        return root is not None and root.name == ROOT and root.attributes.get("creator", "").strip().upper() == CREATOR

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        checked = False
        for entity in iter_elements(
            upload.stream, source=self.source, roots=(ROOT,), tags=("entity",), head=upload.head
        ):
            if not checked:
                _check_creator(entity, self.source)
                checked = True
            kind = entity.get("class") or ""
            if kind == "host":
                yield from _host_records(entity)
            elif kind == "agent":
                yield from agent_records(entity)


def _check_creator(entity: etree._Element, source: str) -> None:
    creator = entity.getroottree().getroot().get("creator")
    if creator is not None and "IMPACT" not in creator.upper():
        raise InvalidFile(source, f"root <{ROOT}> was written by {creator!r}, expected {CREATOR!r}")


def _host_records(entity: etree._Element) -> Iterator[ScanRecord]:
    ip = leaf(entity, "ip")
    name = ip or leaf(entity, "display_name") or (entity.get("name") or "").strip("/")
    ports = _ports(entity)
    yield _asset(entity, name, ip, ports)
    vulnerabilities = prop(entity, "Vulnerabilities")
    if vulnerabilities is not None:
        for vulnerability in props(vulnerabilities):
            yield from vulnerability_findings(vulnerability, name, ports)
    exposures = prop(entity, "exposures")
    if exposures is not None:
        for exposure in props(exposures):
            if is_container(exposure):
                yield exposure_finding(exposure, name)


def _ports(entity: etree._Element) -> dict[tuple[str, str], Port]:
    """Open ports: every ``services`` entry ("<port>-<proto>") and ``listen`` ports."""
    ports: dict[tuple[str, str], Port] = {}
    services = prop(entity, "services")
    if services is not None:
        for service in props(services):
            for entry in props(service):
                number, _, protocol = (entry.get("key") or "").partition("-")
                if not number.isdigit():
                    continue
                version = " ".join(v for v in (leaf(entry, "Product"), leaf(entry, "Version")) if v)
                port = Port(
                    number=number,
                    protocol=(protocol or "tcp").lower(),
                    service=service.get("key") or "",
                    version=version,
                )
                known = ports.get((port.number, port.protocol))
                if known is None or (version and not known.version):
                    ports[(port.number, port.protocol)] = port
    for protocol in ("tcp", "udp"):
        listed = prop(entity, f"{protocol}_ports")
        if listed is None:
            continue
        for entry in props(listed):
            number = entry.get("key") or ""
            if number.isdigit() and (entry.text or "").strip() == "listen":
                ports.setdefault((number, protocol), Port(number=number, protocol=protocol))
    return ports


def _asset(entity: etree._Element, name: str, ip: str, ports: dict[tuple[str, str], Port]) -> ScanAsset:
    dns = prop(entity, "dns names")
    dns_names = [c.get("key") or "" for c in props(dns)] if dns is not None else []
    display = leaf(entity, "display_name")
    fqdn = next((n for n in dns_names if "." in n and not n.replace(".", "").isdigit()), "")
    short = next((n.split(".", 1)[0] for n in dns_names if n and not n.replace(".", "").isdigit()), "")
    hostname = display if display and display != ip else short
    os_prop = prop(entity, "os")
    os_name = ""
    if os_prop is not None:
        os_name = leaf(os_prop, "entity name") or os_prop.get("name") or ""
    arch = leaf(entity, "arch")
    parts = [p for p in (os_name, arch) if p and p.lower() != "unknown"]
    tags = prop(entity, "tags")
    tag_names = [t.get("key") or "" for t in props(tags)] if tags is not None else []
    return ScanAsset(
        name=name,
        ips=_ids.unique([ip]),
        hostname=hostname,
        fqdn=fqdn,
        operating_system=" ".join(parts),
        description=f"Core Impact tags: {', '.join(tag_names)}" if any(tag_names) else "",
        ports=tuple(sorted(ports.values(), key=lambda p: (p.protocol, int(p.number)))),
    )
