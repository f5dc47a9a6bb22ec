"""Core Impact findings: the modules under a host's vulnerabilities, the 2017R1 exposures, and
deployed agents."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers.base import Evidence, Port, ScanFinding, Severity
from scanlift.parsers.coreimpact.properties import is_container, leaf, prop, props, render, render_one

#: Module leaves mapped to finding fields; every other leaf goes to evidence.
_MAPPED_MODULE_KEYS = frozenset({"description", "port"})
_UNRATED = ("Core Impact Severity", "not in the export; set to Informational on import")
AGENT_TITLE = "Core Impact agent deployed"
#: Report findings store ``flaw_id`` in 200 characters.
_MAX_FLAW_ID = 200


def _port_for(number: str, ports: dict[tuple[str, str], Port]) -> Port | None:
    """The host's own port of that number (TCP when both protocols have it), else a bare one."""
    if not number.isdigit() or number == "0":
        return None
    known = [p for (n, _), p in ports.items() if n == number]
    if len(known) == 1:
        return known[0]
    return ports.get((number, "tcp")) or Port(number=number)


def vulnerability_findings(
    vulnerability: etree._Element, host: str, ports: dict[tuple[str, str], Port]
) -> Iterator[ScanFinding]:
    """One finding per module of ``Vulnerabilities/<id>/Modules``, or one for the id without any."""
    vuln_id = (vulnerability.get("key") or "").strip()
    if not vuln_id:
        return
    context = [
        line
        for child in props(vulnerability)
        if child.get("key") != "Modules"
        for line in [f"{child.get('key')}:", *render(child, "  ")]
    ]
    modules = prop(vulnerability, "Modules")
    module_list = [m for m in props(modules) if is_container(m)] if modules is not None else []
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
    description = _text.clean(leaf(module, "description")) if module is not None else ""
    port = _port_for(leaf(module, "port"), ports) if module is not None else None
    lines = []
    if module is not None:
        lines = [
            line for child in props(module) if child.get("key") not in _MAPPED_MODULE_KEYS for line in render_one(child)
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


def exposure_finding(exposure: etree._Element, host: str) -> ScanFinding:
    title = _text.clean(leaf(exposure, "title")) or (exposure.get("key") or "").strip()
    raw_severity = leaf(exposure, "severity")
    severity = _severity.from_label(raw_severity)
    description = _text.clean(leaf(exposure, "description"))
    lines = [
        line
        for child in props(exposure)
        if child.get("key") not in ("title", "description", "severity")
        for line in render_one(child)
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


def agent_records(entity: etree._Element) -> Iterator[ScanFinding]:
    name = (entity.get("name") or "").strip()
    host = name.strip("/").split("/", 1)[0]
    if not host or host.lower() == "localhost":
        return  # the console's own local agent, not a compromised host
    lines = [f"Agent: {name}"]
    if entity.get("type"):
        lines.append(f"Agent type: {entity.get('type')}")
    connection = prop(entity, "Connection Properties")
    if connection is not None:
        lines += ["Connection Properties:", *render(connection, "  ")]
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
