"""Qualys VM XML: the host-based scan report, the WebGUI scan results and the host detection list.

Three exports, one mapping (see docs/sources.md (qualys)):

* ``<ASSET_DATA_REPORT>`` (VM "Scan Report" template, what PlexTrac's VM parser documents):
  ``HOST_LIST/HOST/VULN_INFO_LIST/VULN_INFO`` sightings, then a ``GLOSSARY`` of
  ``VULN_DETAILS`` that gives each QID its title, severity and texts. The glossary comes last,
  so sightings are spooled to disk (``records.Join``) and joined when the document ends.
* ``<SCAN>`` (WebGUI/API scan results, scan-1.dtd): ``IP/{INFOS,SERVICES,VULNS,PRACTICES}/CAT/
  {INFO,SERVICE,VULN,PRACTICE}``; each item carries its own knowledge-base text, and the
  ``CAT`` element its port, protocol and virtual host.
* ``<HOST_LIST_VM_DETECTION_OUTPUT>`` (API host detection list): ``HOST/DETECTION_LIST/DETECTION``
  with the QID, severity, port and results but no knowledge base, so titles are "Qualys QID n".

Every form: flaw_id = QID; severity = the Qualys level through PlexTrac's table (0/1
Informational … 5 Critical) and tag ``minimal`` at level 1; description = THREAT (or DIAGNOSIS)
then IMPACT (or CONSEQUENCE); recommendations = SOLUTION; references = vendor, CVE and Bugtraq
links; every CVE; CVSS v2/v3 base scores as ``Score``s; one sighting per item on its host and
port, whose RESULT is the evidence, verbatim. Hosts are named by IP address.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from scanlift.parsers._lib.xml import iter_elements
from scanlift.parsers.base import FindingDefinition, Port, ScanAsset, ScanRecord, Upload
from scanlift.parsers.qualys import common as _qualys
from scanlift.parsers.qualys import knowledge
from scanlift.parsers.qualys import vm_hosts as _hosts
from scanlift.parsers.qualys.common import child_text
from scanlift.parsers.qualys.records import Join, Sighting, build, placeholder

ASSET_DATA_REPORT = "ASSET_DATA_REPORT"
SCAN = "SCAN"
DETECTION_LIST = "HOST_LIST_VM_DETECTION_OUTPUT"
ROOTS = (ASSET_DATA_REPORT, SCAN, DETECTION_LIST)

#: The <SCAN> item groups -> the wording used in evidence captions.
_GROUP_WORDS = {
    "VULNS": "confirmed vulnerability",
    "PRACTICES": "potential vulnerability",
    "INFOS": "information gathered",
    "SERVICES": "service information",
}


def parse(upload: Upload) -> Iterator[ScanRecord]:
    """Parse a Qualys VM XML document (its root, one of ``ROOTS``, is known from the sniffed head)."""
    root = upload.head.root_name
    if root == SCAN:
        yield from _parse_scan(upload)
    elif root == DETECTION_LIST:
        yield from _parse_detections(upload)
    else:
        yield from _parse_asset_data_report(upload)


# --- <ASSET_DATA_REPORT> ------------------------------------------------------------------------


def _parse_asset_data_report(upload: Upload) -> Iterator[ScanRecord]:
    with Join() as join:
        ports: dict[tuple[str, str], Port] = {}
        host: etree._Element | None = None
        host_name = ""
        for element in iter_elements(
            upload.stream,
            head=upload.head,
            source=_qualys.SOURCE,
            roots=ROOTS,
            tags=("VULN_INFO", "HOST", "VULN_DETAILS"),
            # RISK_SCORE_PER_HOST sits beside HOST_LIST with one HOSTS entry per host; free each.
            discard=("HOSTS",),
        ):
            name = element.tag
            if name == "VULN_INFO":
                parent_host = _hosts.grandparent(element)
                if parent_host is not host:  # the name is read once per host
                    host, host_name = parent_host, _hosts.host_name(parent_host)
                qid, sighting = _vuln_info(element, host_name)
                if sighting.port is not None:
                    ports.setdefault((sighting.port.number, sighting.port.protocol), sighting.port)
                join.add_sighting(qid, sighting)
            elif name == "HOST":
                yield _hosts.host_asset(element, tuple(ports.values()))
                ports, host = {}, None
            else:
                join.add_definition(*_vuln_details(element))
        yield from join.findings()


def _vuln_info(info: etree._Element, host: str) -> tuple[str, Sighting]:
    cells = _qualys.children(info)
    qid = cells.get("QID", "")
    port = _qualys.port_of(cells.get("PORT"), cells.get("PROTOCOL"), cells.get("SERVICE"))
    details = [
        ("", _qualys.type_words(cells.get("TYPE", ""))),
        ("virtual host", cells.get("FQDN", "")),
        ("SSL", "yes" if cells.get("SSL", "").lower() == "true" else ""),
        ("instance", cells.get("INSTANCE", "")),
        ("status", cells.get("VULN_STATUS", "")),
        ("first found", cells.get("FIRST_FOUND", "")),
        ("last found", cells.get("LAST_FOUND", "")),
        ("times found", cells.get("TIMES_FOUND", "")),
        ("last fixed", cells.get("LAST_FIXED", "")),
        ("CVSS final", _qualys.value(cells.get("CVSS_FINAL"))),
        ("CVSS3 final", _qualys.value(cells.get("CVSS3_FINAL"))),
        ("ticket", cells.get("TICKET_NUMBER", "")),
        ("ticket state", cells.get("TICKET_STATE", "")),
    ]
    return qid, Sighting(
        asset=host or None,
        port=port,
        evidence=_hosts.result_evidence(info.find("RESULT"), port, details),
    )


def _vuln_details(details: etree._Element) -> tuple[str, FindingDefinition]:
    qid = child_text(details, "QID") or details.get("id", "").removeprefix("qid_")
    return qid, knowledge.kb_definition(
        details,
        qid=qid,
        level=child_text(details, "SEVERITY"),
        category=child_text(details, "CATEGORY"),
    )


# --- <SCAN> -------------------------------------------------------------------------------------

_SCAN_ITEMS = ("VULN", "PRACTICE", "INFO", "SERVICE")


def _parse_scan(upload: Upload) -> Iterator[ScanRecord]:
    ports: dict[tuple[str, str], Port] = {}
    items = (*_SCAN_ITEMS, "IP")
    for element in iter_elements(upload.stream, head=upload.head, source=_qualys.SOURCE, roots=ROOTS, tags=items):
        if element.tag == "IP":
            yield _scan_asset(element, tuple(ports.values()))
            ports = {}
            continue
        category = element.getparent()
        if category is None or category.tag != "CAT":
            continue
        finding = build(*_scan_item(element, category))
        if finding.port is not None:
            ports.setdefault((finding.port.number, finding.port.protocol), finding.port)
        yield finding


def _scan_item(item: etree._Element, category: etree._Element) -> tuple[FindingDefinition, Sighting]:
    group = category.getparent()
    ip = group.getparent() if group is not None else None
    qid = item.get("number", "")
    definition = knowledge.kb_definition(
        item,
        qid=qid,
        level=item.get("severity", ""),
        category=category.get("value", ""),
        cve_attr=item.get("cveid", ""),
    )
    port = _qualys.port_of(category.get("port"), category.get("protocol"))
    details = [
        ("", _GROUP_WORDS.get(group.tag if group is not None else "", "")),
        ("virtual host", category.get("fqdn", "")),
        ("", category.get("misc", "")),
        ("instance", child_text(item, "INSTANCE")),
    ]
    asset = ip.get("value", "") if ip is not None else ""
    return definition, Sighting(
        asset=asset or None,
        port=port,
        evidence=_hosts.result_evidence(item.find("RESULT"), port, details),
    )


def _scan_asset(ip: etree._Element, ports: tuple[Port, ...]) -> ScanAsset:
    address = ip.get("value", "")
    dns = ip.get("name", "")
    if dns.lower() in ("no registered hostname", "no_registered_hostname"):
        dns = ""
    return _hosts.asset(
        address,
        ips=(address,),
        dns=dns,
        netbios=child_text(ip, "NETBIOS_HOSTNAME"),
        operating_system=child_text(ip, "OS"),
        ports=ports,
    )


# --- <HOST_LIST_VM_DETECTION_OUTPUT> ------------------------------------------------------------


def _parse_detections(upload: Upload) -> Iterator[ScanRecord]:
    ports: dict[tuple[str, str], Port] = {}
    items = ("DETECTION", "HOST")
    for element in iter_elements(upload.stream, head=upload.head, source=_qualys.SOURCE, roots=ROOTS, tags=items):
        if element.tag == "HOST":
            yield _hosts.host_asset(element, tuple(ports.values()))
            ports = {}
            continue
        finding = build(*_detection(element))
        if finding.port is not None:
            ports.setdefault((finding.port.number, finding.port.protocol), finding.port)
        yield finding


def _detection(detection: etree._Element) -> tuple[FindingDefinition, Sighting]:
    cells = _qualys.children(detection)
    qid = cells.get("QID", "")
    definition = placeholder(
        qid, cells.get("SEVERITY", ""), "the host detection list carries no knowledge base; the title is the QID"
    )
    port = _qualys.port_of(cells.get("PORT"), cells.get("PROTOCOL"))
    details = [
        ("", _qualys.type_words(cells.get("TYPE", ""))),
        ("virtual host", cells.get("FQDN", "")),
        ("SSL", "yes" if cells.get("SSL") == "1" else ""),
        ("instance", cells.get("INSTANCE", "")),
        ("status", cells.get("STATUS", "")),
        ("first found", cells.get("FIRST_FOUND_DATETIME", "")),
        ("last found", cells.get("LAST_FOUND_DATETIME", "")),
        ("times found", cells.get("TIMES_FOUND", "")),
        ("last fixed", cells.get("LAST_FIXED_DATETIME", "")),
        ("ignored", "yes" if cells.get("IS_IGNORED") == "1" else ""),
        ("disabled", "yes" if cells.get("IS_DISABLED") == "1" else ""),
        ("QDS", cells.get("QDS", "")),
    ]
    return definition, Sighting(
        asset=_hosts.host_name(_hosts.grandparent(detection)) or None,
        port=port,
        evidence=_hosts.result_evidence(detection.find("RESULTS"), port, details),
    )
