"""Nmap XML (``-oX``) as PlexTrac's "Nmap (Vulners NSE)" findings source, plus its hosts as assets.

Mapping (see docs/sources.md (nmap)):

* Assets: every ``<host>`` whose ``<status state>`` is "up" (or absent) is one ``ScanAsset``,
  named like PlexTrac's Nmap asset import: the first ``<hostname name>``, else the IP address.
  It carries the IPv4/IPv6 addresses, the MAC, the most accurate ``<osmatch>`` and only the ports
  whose ``<state state="open">`` (number, protocol, service name, "product version (extrainfo)").
* Findings: each entry of a ``<script id="vulners">`` on an open port is one sighting: one finding
  per vulners id (a CVE id, or an exploit/advisory id such as ``EDB-ID:46516``), flaw_id = that id,
  severity = the entry's ``cvss`` rated like a CVSS base score (missing -> Informational). The
  entry's line of the script output, with its CPE, is the evidence. Newer vulners versions give
  ``<table>``/``<elem>`` entries; older ones only the text output, which is parsed line by line.
* A file without vulners output yields assets only. Other NSE scripts are not findings.

Streaming: hosts are read one ``<host>`` element at a time and freed after use.
``iter_nmap_assets`` yields just the assets, for the asset-only import route.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib.xml import iter_elements, local_name
from scanlift.parsers.base import (
    Evidence,
    Port,
    ScanAsset,
    ScanFinding,
    ScanRecord,
    Severity,
    Sniff,
    Upload,
)

ROOT = "nmaprun"
SOURCE = "nmap"
VULNERS_SCRIPT = "vulners"


class NmapParser:
    source: ClassVar[str] = SOURCE
    label: ClassVar[str] = "Nmap (Vulners NSE)"

    def sniff(self, head: Sniff) -> bool:
        return head.root_name == ROOT

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        for host in _up_hosts(upload):
            asset = _asset(host)
            yield asset
            for port in _children(host, "ports", "port"):
                if _is_open(port):
                    yield from _port_findings(port, asset.name)


def iter_nmap_assets(upload: Upload) -> Iterator[ScanAsset]:
    """The hosts of an Nmap XML file as assets (only "up" hosts, only open ports), nothing else."""
    for host in _up_hosts(upload):
        yield _asset(host)


def _up_hosts(upload: Upload) -> Iterator[etree._Element]:
    for host in iter_elements(upload.stream, source=SOURCE, roots=(ROOT,), tags=("host",), head=upload.head):
        status = _first(host, "status")
        if status is None or (status.get("state") or "up") == "up":
            yield host


# --- assets --------------------------------------------------------------------------------


def _asset(host: etree._Element) -> ScanAsset:
    addresses = [a for a in host if _named(a, "address")]
    ips = _ids.unique(a.get("addr") or "" for a in addresses if a.get("addrtype") in ("ipv4", "ipv6"))
    ipv4_first = sorted(ips, key=lambda ip: ":" in ip)
    macs = [a.get("addr") or "" for a in addresses if a.get("addrtype") == "mac"]
    names = _ids.unique(h.get("name") or "" for h in _children(host, "hostnames", "hostname"))
    mac = next((m for m in macs if m), "")
    name = names[0] if names else next(iter(ipv4_first), "") or mac
    return ScanAsset(
        name=name,
        ips=tuple(ipv4_first),
        hostname=names[0] if names else "",
        fqdn=next((n for n in names if "." in n), ""),
        mac=mac,
        operating_system=_os(host),
        ports=tuple(_port(p) for p in _children(host, "ports", "port") if _is_open(p)),
    )


def _os(host: etree._Element) -> str:
    matches = _children(host, "os", "osmatch")
    if not matches:
        return ""

    def accuracy(match: etree._Element) -> int:
        value = match.get("accuracy") or "0"
        return int(value) if value.isdigit() else 0

    return (max(matches, key=accuracy).get("name") or "").strip()


def _is_open(port: etree._Element) -> bool:
    state = _first(port, "state")
    return state is not None and state.get("state") == "open"


def _port(port: etree._Element) -> Port:
    service = _first(port, "service")
    name = version = ""
    if service is not None:
        name = (service.get("name") or "").strip()
        version = " ".join(p for p in (service.get("product"), service.get("version")) if p and p.strip())
        extra = (service.get("extrainfo") or "").strip()
        if extra:
            version = f"{version} ({extra})" if version else f"({extra})"
    return Port(
        number=(port.get("portid") or "").strip(),
        protocol=(port.get("protocol") or "tcp").strip().lower(),
        service=name,
        version=version,
    )


# --- vulners findings ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Entry:
    vuln_id: str
    cvss: str
    kind: str
    is_exploit: bool
    cpe: str
    line: str
    url: str


def _port_findings(port_element: etree._Element, asset: str) -> Iterator[ScanFinding]:
    port = _port(port_element)
    for script in port_element:
        if _named(script, "script") and script.get("id") == VULNERS_SCRIPT:
            for entry in _entries(script):
                yield _finding(entry, asset, port)


def _entries(script: etree._Element) -> list[_Entry]:
    output = script.get("output") or ""
    lines = _output_lines(output)
    entries = []
    for cpe_table in script:
        if not _named(cpe_table, "table"):
            continue
        cpe = (cpe_table.get("key") or "").strip()
        for row in cpe_table:
            if not _named(row, "table"):
                continue
            elems = {e.get("key") or "": (e.text or "").strip() for e in row if _named(e, "elem")}
            vuln_id = elems.get("id", "")
            if not vuln_id:
                continue
            line = lines.get(vuln_id, "")
            kind = elems.get("type", "")
            entries.append(
                _Entry(
                    vuln_id=vuln_id,
                    cvss=elems.get("cvss", ""),
                    kind=kind,
                    is_exploit=elems.get("is_exploit", "").lower() == "true",
                    cpe=cpe,
                    line=line,
                    url=_url(line, kind, vuln_id),
                )
            )
    return entries or _entries_from_output(output)


def _output_lines(output: str) -> dict[str, str]:
    """Each entry line of the script output, keyed by its vulners id."""
    lines: dict[str, str] = {}
    for line in output.splitlines():
        tokens = line.split()
        if len(tokens) >= 2 and _is_number(tokens[1]):
            lines.setdefault(tokens[0], line.strip())
    return lines


def _entries_from_output(output: str) -> list[_Entry]:
    """Entries of an older vulners script that wrote only text: "ID<tab>CVSS<tab>URL[<tab>*EXPLOIT*]"."""
    entries = []
    cpe = ""
    for raw in output.splitlines():
        line = raw.strip()
        tokens = line.split()
        if line.startswith("cpe:/") and len(tokens) == 1:
            cpe = line.rstrip(":")
        elif len(tokens) >= 2 and _is_number(tokens[1]):
            url = next((t for t in tokens[2:] if t.startswith(("http://", "https://"))), "")
            kind = url.split("/")[3] if url.count("/") >= 4 else ""
            entries.append(
                _Entry(
                    vuln_id=tokens[0],
                    cvss=tokens[1],
                    kind=kind,
                    is_exploit="*EXPLOIT*" in tokens,
                    cpe=cpe,
                    line=line,
                    url=url,
                )
            )
    return entries


def _finding(entry: _Entry, asset: str, port: Port) -> ScanFinding:
    kind = f" ({entry.kind})" if entry.kind else ""
    description = (
        f"The Nmap vulners NSE script matched {entry.vuln_id}{kind} against the software version "
        "that Nmap detected on the service."
    )
    if entry.is_exploit:
        description += " Vulners lists it as an exploit."
    where = f"{port.protocol}/{port.number}" + (f" {port.service}" if port.service else "")
    code = "\n".join(p for p in (entry.cpe, entry.line or _synthetic_line(entry)) if p)
    fields = [
        ("Vulners ID", entry.vuln_id),
        ("Vulners Type", entry.kind),
        ("Vulners CVSS", entry.cvss),
        ("Exploit", "yes" if entry.is_exploit else "no"),
    ]
    return ScanFinding(
        flaw_id=entry.vuln_id,
        title=entry.vuln_id,
        severity=_severity.from_cvss(entry.cvss) or Severity.INFORMATIONAL,
        description=description,
        references=(entry.url,) if entry.url else (),
        cves=_ids.find_cves(entry.vuln_id),
        tags=("exploit",) if entry.is_exploit else (),
        fields=tuple((label, value) for label, value in fields if value),
        asset=asset,
        port=port,
        evidence=(Evidence(caption=f"Nmap vulners output ({where})", code=code),),
    )


def _synthetic_line(entry: _Entry) -> str:
    parts = [entry.vuln_id, entry.cvss, entry.url, "*EXPLOIT*" if entry.is_exploit else ""]
    return "\t".join(p for p in parts if p)


def _url(line: str, kind: str, vuln_id: str) -> str:
    found = next((t for t in line.split() if t.startswith(("http://", "https://"))), "")
    if found:
        return found
    return f"https://vulners.com/{kind}/{vuln_id}" if kind else ""


# --- helpers -------------------------------------------------------------------------------


def _named(element: etree._Element, name: str) -> bool:
    return isinstance(element.tag, str) and local_name(element.tag) == name


def _first(parent: etree._Element, name: str) -> etree._Element | None:
    return next((c for c in parent if _named(c, name)), None)


def _children(parent: etree._Element, container: str, child: str) -> list[etree._Element]:
    return [c for box in parent if _named(box, container) for c in box if _named(c, child)]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
