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
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.sniff import xml_root
from scanlift.parsers._lib.xml import iter_elements
from scanlift.parsers.base import (
    Evidence,
    InvalidFile,
    Port,
    ScanAsset,
    ScanFinding,
    ScanRecord,
    Severity,
    Sniff,
    Upload,
)

ROOT = "entities"
CREATOR = "CORE IMPACT"

#: Module leaves mapped to finding fields; every other leaf goes to evidence.
_MAPPED_MODULE_KEYS = frozenset({"description", "port"})
_UNRATED = ("Core Impact Severity", "not in the export; set to Informational on import")
AGENT_TITLE = "Core Impact agent deployed"
#: Report findings store ``flaw_id`` in 200 characters.
_MAX_FLAW_ID = 200


class CoreImpactParser:
    source: ClassVar[str] = "coreimpact"
    label: ClassVar[str] = "Core Impact"

    def sniff(self, head: Sniff) -> bool:
        root = xml_root(head.head)
        return root is not None and root.name == ROOT and root.attributes.get("creator", "").strip().upper() == CREATOR

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        stream = upload.stream
        checked = False
        for entity in iter_elements(stream, source=self.source, roots=(ROOT,), tags=("entity",)):
            if not checked:
                _check_creator(entity, self.source)
                checked = True
            kind = entity.get("class") or ""
            if kind == "host":
                yield from _host_records(entity)
            elif kind == "agent":
                yield from _agent_records(entity)


def _check_creator(entity: etree._Element, source: str) -> None:
    creator = entity.getroottree().getroot().get("creator")
    if creator is not None and "IMPACT" not in creator.upper():
        raise InvalidFile(source, f"root <{ROOT}> was written by {creator!r}, expected {CREATOR!r}")


# --- property helpers ---------------------------------------------------------------------------


def _props(element: etree._Element) -> Iterator[etree._Element]:
    """Direct ``property`` children."""
    return (c for c in element.iterchildren() if c.tag == "property")


def _prop(element: etree._Element, key: str) -> etree._Element | None:
    return next((c for c in _props(element) if c.get("key") == key), None)


def _leaf(element: etree._Element, key: str) -> str:
    found = _prop(element, key)
    return (found.text or "").strip() if found is not None else ""


def _is_container(element: etree._Element) -> bool:
    return element.get("type") == "container" or any(True for _ in _props(element))


def _render(element: etree._Element, indent: str = "") -> list[str]:
    """``key: value`` lines for every property under ``element``, nested containers indented."""
    lines = []
    for child in _props(element):
        key = child.get("key") or ""
        if any(True for _ in _props(child)):
            lines.append(f"{indent}{key}:")
            lines.extend(_render(child, indent + "  "))
        else:
            lines.append(f"{indent}{key}: {(child.text or '').strip()}".rstrip())
    return lines


# --- hosts --------------------------------------------------------------------------------------


def _host_records(entity: etree._Element) -> Iterator[ScanRecord]:
    ip = _leaf(entity, "ip")
    name = ip or _leaf(entity, "display_name") or (entity.get("name") or "").strip("/")
    ports = _ports(entity)
    yield _asset(entity, name, ip, ports)
    vulnerabilities = _prop(entity, "Vulnerabilities")
    if vulnerabilities is not None:
        for vulnerability in _props(vulnerabilities):
            yield from _vulnerability_findings(vulnerability, name, ports)
    exposures = _prop(entity, "exposures")
    if exposures is not None:
        for exposure in _props(exposures):
            if _is_container(exposure):
                yield _exposure_finding(exposure, name)


def _ports(entity: etree._Element) -> dict[tuple[str, str], Port]:
    """Open ports: every ``services`` entry ("<port>-<proto>") and ``listen`` ports."""
    ports: dict[tuple[str, str], Port] = {}
    services = _prop(entity, "services")
    if services is not None:
        for service in _props(services):
            for entry in _props(service):
                number, _, protocol = (entry.get("key") or "").partition("-")
                if not number.isdigit():
                    continue
                version = " ".join(v for v in (_leaf(entry, "Product"), _leaf(entry, "Version")) if v)
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
        listed = _prop(entity, f"{protocol}_ports")
        if listed is None:
            continue
        for entry in _props(listed):
            number = entry.get("key") or ""
            if number.isdigit() and (entry.text or "").strip() == "listen":
                ports.setdefault((number, protocol), Port(number=number, protocol=protocol))
    return ports


def _asset(entity: etree._Element, name: str, ip: str, ports: dict[tuple[str, str], Port]) -> ScanAsset:
    dns = _prop(entity, "dns names")
    dns_names = [c.get("key") or "" for c in _props(dns)] if dns is not None else []
    display = _leaf(entity, "display_name")
    fqdn = next((n for n in dns_names if "." in n and not n.replace(".", "").isdigit()), "")
    short = next((n.split(".", 1)[0] for n in dns_names if n and not n.replace(".", "").isdigit()), "")
    hostname = display if display and display != ip else short
    os_prop = _prop(entity, "os")
    os_name = ""
    if os_prop is not None:
        os_name = _leaf(os_prop, "entity name") or os_prop.get("name") or ""
    arch = _leaf(entity, "arch")
    parts = [p for p in (os_name, arch) if p and p.lower() != "unknown"]
    tags = _prop(entity, "tags")
    tag_names = [t.get("key") or "" for t in _props(tags)] if tags is not None else []
    return ScanAsset(
        name=name,
        ips=_ids.unique([ip]),
        hostname=hostname,
        fqdn=fqdn,
        operating_system=" ".join(parts),
        description=f"Core Impact tags: {', '.join(tag_names)}" if any(tag_names) else "",
        ports=tuple(sorted(ports.values(), key=lambda p: (p.protocol, int(p.number)))),
    )


def _port_for(number: str, ports: dict[tuple[str, str], Port]) -> Port | None:
    if not number.isdigit() or number == "0":
        return None
    known = [p for (n, _), p in ports.items() if n == number]
    if len(known) == 1:
        return known[0]
    return ports.get((number, "tcp")) or Port(number=number)


# --- findings -----------------------------------------------------------------------------------


def _vulnerability_findings(
    vulnerability: etree._Element, host: str, ports: dict[tuple[str, str], Port]
) -> Iterator[ScanFinding]:
    vuln_id = (vulnerability.get("key") or "").strip()
    if not vuln_id:
        return
    context = [
        line
        for child in _props(vulnerability)
        if child.get("key") != "Modules"
        for line in [f"{child.get('key')}:", *_render(child, "  ")]
    ]
    modules = _prop(vulnerability, "Modules")
    module_list = [m for m in _props(modules) if _is_container(m)] if modules is not None else []
    if not module_list:
        yield _finding(vuln_id, None, host, ports, context)
        return
    for module in module_list:
        yield _finding(vuln_id, module, host, ports, context)


def _finding(
    vuln_id: str,
    module: etree._Element | None,
    host: str,
    ports: dict[tuple[str, str], Port],
    context: list[str],
) -> ScanFinding:
    module_title = (module.get("key") or "").strip() if module is not None else ""
    if not module_title:
        title = vuln_id
    elif vuln_id.lower() in module_title.lower():
        title = module_title
    else:
        title = f"{module_title} ({vuln_id})"
    description = _text.clean(_leaf(module, "description")) if module is not None else ""
    port = _port_for(_leaf(module, "port"), ports) if module is not None else None
    lines = []
    if module is not None:
        lines = [
            line
            for child in _props(module)
            if child.get("key") not in _MAPPED_MODULE_KEYS
            for line in _render_one(child)
        ]
    lines += context
    where = f"{host}:{port.number}/{port.protocol}" if port else host
    evidence: tuple[Evidence, ...] = ()
    if lines:
        caption = f"Core Impact {module_title or vuln_id} on {where}"
        evidence = (Evidence(caption=caption, code="\n".join(lines)),)
    fields = [("Core Impact Vulnerability ID", vuln_id), ("Core Impact Module", module_title), _UNRATED]
    return ScanFinding(
        flaw_id=_flaw_id(vuln_id, module_title),
        title=title,
        severity=Severity.INFORMATIONAL,
        description=description,
        cves=_ids.find_cves(vuln_id, description),
        fields=tuple((label, value) for label, value in fields if value),
        asset=host,
        port=port,
        evidence=evidence,
    )


def _flaw_id(vuln_id: str, module_title: str) -> str:
    """``<vulnerability id>:<module title>``; a title too long for a finding id is hashed."""
    if not module_title:
        return vuln_id
    flaw_id = f"{vuln_id}:{module_title}"
    return flaw_id if len(flaw_id) <= _MAX_FLAW_ID else f"{vuln_id}:{_ids.title_flaw_id(module_title)}"


def _render_one(prop: etree._Element) -> list[str]:
    key = prop.get("key") or ""
    if any(True for _ in _props(prop)):
        return [f"{key}:", *_render(prop, "  ")]
    return [f"{key}: {(prop.text or '').strip()}".rstrip()]


def _exposure_finding(exposure: etree._Element, host: str) -> ScanFinding:
    title = _text.clean(_leaf(exposure, "title")) or (exposure.get("key") or "").strip()
    raw_severity = _leaf(exposure, "severity")
    severity = _severity.from_label(raw_severity)
    description = _text.clean(_leaf(exposure, "description"))
    lines = [
        line
        for child in _props(exposure)
        if child.get("key") not in ("title", "description", "severity")
        for line in _render_one(child)
    ]
    key = (exposure.get("key") or "").strip()
    fields = [("Core Impact Exposure", "" if key.isdigit() else key)]
    fields.append(("Core Impact Severity", raw_severity or _UNRATED[1]))
    return ScanFinding(
        flaw_id=_ids.title_flaw_id(title),
        title=title,
        severity=severity or Severity.INFORMATIONAL,
        description=description,
        cves=_ids.find_cves(title, description),
        fields=tuple((label, value) for label, value in fields if value),
        asset=host,
        evidence=(Evidence(caption=f"Core Impact exposure on {host}", code="\n".join(lines)),) if lines else (),
    )


def _agent_records(entity: etree._Element) -> Iterator[ScanFinding]:
    name = (entity.get("name") or "").strip()
    host = name.strip("/").split("/", 1)[0]
    if not host or host.lower() == "localhost":
        return  # the console's own local agent, not a compromised host
    lines = [f"Agent: {name}"]
    if entity.get("type"):
        lines.append(f"Agent type: {entity.get('type')}")
    connection = _prop(entity, "Connection Properties")
    if connection is not None:
        lines += ["Connection Properties:", *_render(connection, "  ")]
    yield ScanFinding(
        flaw_id=_ids.title_flaw_id(AGENT_TITLE),
        title=AGENT_TITLE,
        severity=Severity.HIGH,
        description=(
            "Core Impact installed an agent on this host, which means an exploit succeeded and the "
            "host was compromised during the test."
        ),
        fields=(("Core Impact Severity", "not in the export; High because an agent was deployed"),),
        asset=host,
        evidence=(Evidence(caption=f"Core Impact agent on {host}", code="\n".join(lines)),),
    )
