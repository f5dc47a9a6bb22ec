"""Qualys VM XML: the host-based scan report, the WebGUI scan results and the host detection list.

Three exports, one mapping (see docs/sources.md (qualys)):

* ``<ASSET_DATA_REPORT>`` (VM "Scan Report" template, what PlexTrac's VM parser documents):
  ``HOST_LIST/HOST/VULN_INFO_LIST/VULN_INFO`` sightings, then a ``GLOSSARY`` of
  ``VULN_DETAILS`` that gives each QID its title, severity and texts. The glossary comes last,
  so sightings are spooled to disk (``_qualys.Spool``) and joined when the document ends.
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
from typing import BinaryIO

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.xml import iter_elements
from scanlift.parsers.base import Evidence, Port, ScanAsset, ScanRecord
from scanlift.parsers.qualys import common as _qualys
from scanlift.parsers.qualys import knowledge
from scanlift.parsers.qualys.common import Definition, Sighting, child_text

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


def parse(stream: BinaryIO, root: str) -> Iterator[ScanRecord]:
    """Parse a Qualys VM XML document whose root element (read from its first bytes) is ``root``."""
    if root == SCAN:
        yield from _parse_scan(stream)
    elif root == DETECTION_LIST:
        yield from _parse_detections(stream)
    else:
        yield from _parse_asset_data_report(stream)


# --- <ASSET_DATA_REPORT> ------------------------------------------------------------------------


def _parse_asset_data_report(stream: BinaryIO) -> Iterator[ScanRecord]:
    spool = _qualys.Spool()
    try:
        ports: dict[tuple[str, str], Port] = {}
        host: etree._Element | None = None
        host_name = ""
        for element in iter_elements(
            stream,
            source=_qualys.SOURCE,
            roots=ROOTS,
            tags=("VULN_INFO", "HOST", "VULN_DETAILS"),
            # RISK_SCORE_PER_HOST sits beside HOST_LIST with one HOSTS entry per host; free each.
            discard=("HOSTS",),
        ):
            name = element.tag
            if name == "VULN_INFO":
                parent_host = _grandparent(element)
                if parent_host is not host:  # the name is read once per host
                    host, host_name = parent_host, _host_name(parent_host)
                qid, sighting = _vuln_info(element, host_name)
                if sighting.port is not None:
                    ports.setdefault((sighting.port.number, sighting.port.protocol), sighting.port)
                spool.add_sighting(qid, sighting)
            elif name == "HOST":
                yield _host_asset(element, tuple(ports.values()))
                ports, host = {}, None
            else:
                spool.add_definition(_vuln_details(element))
        yield from spool.replay()
    finally:
        spool.close()


def _host_name(host: etree._Element | None) -> str:
    """Hosts are named by IP address; DNS, NetBIOS or the Qualys host id when there is none."""
    if host is None:
        return ""
    for tag in ("IP", "IPV6", "DNS", "NETBIOS", "HOST_ID", "ID", "ASSET_ID"):
        text = child_text(host, tag)
        if text:
            return text
    return ""


def _host_asset(host: etree._Element, ports: tuple[Port, ...]) -> ScanAsset:
    dns = child_text(host, "DNS") or child_text(host, "DNS_DATA/FQDN")
    hostname = child_text(host, "DNS_DATA/HOSTNAME")
    return _asset(
        _host_name(host),
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


def _asset(
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
        evidence=_result_evidence(info.find("RESULT"), port, details),
    )


def _grandparent(element: etree._Element) -> etree._Element | None:
    parent = element.getparent()
    return parent.getparent() if parent is not None else None


def _result_evidence(
    result: etree._Element | None, port: Port | None, details: list[tuple[str, str]]
) -> tuple[Evidence, ...]:
    text = (result.text or "").strip("\r\n") if result is not None else ""
    if not text.strip():
        return ()
    where = _qualys.port_label(port)
    base = f"Result ({where})" if where else "Result"
    return (Evidence(caption=_qualys.caption(base, details), code=text),)


def _vuln_details(details: etree._Element) -> Definition:
    qid = child_text(details, "QID") or details.get("id", "").removeprefix("qid_")
    return _kb_definition(
        details,
        qid=qid,
        level=child_text(details, "SEVERITY"),
        category=child_text(details, "CATEGORY"),
    )


def _kb_definition(entry: etree._Element, *, qid: str, level: str, category: str, cve_attr: str = "") -> Definition:
    """A Definition from a knowledge-base block (<VULN_DETAILS> or a <SCAN> item)."""
    description = _text.join_paragraphs(
        _qualys.kb_text(child_text(entry, "THREAT") or child_text(entry, "DIAGNOSIS")),
        _qualys.kb_text(child_text(entry, "THREAT_COMMENT") or child_text(entry, "DIAGNOSIS_COMMENT")),
        _qualys.kb_text(child_text(entry, "IMPACT") or child_text(entry, "CONSEQUENCE")),
        _qualys.kb_text(child_text(entry, "IMPACT_COMMENT") or child_text(entry, "CONSEQUENCE_COMMENT")),
    )
    recommendations = _text.join_paragraphs(
        _qualys.kb_text(child_text(entry, "SOLUTION")),
        _qualys.kb_text(child_text(entry, "SOLUTION_COMMENT")),
    )
    scores, leftovers = _qualys.scores_and_leftovers(
        (
            (
                "CVSS2",
                "CVSS Base Score",
                child_text(entry, "CVSS_SCORE/CVSS_BASE") or child_text(entry, "CVSS_BASE"),
            ),
            (
                "CVSS3",
                "CVSSv3 Base Score",
                child_text(entry, "CVSS3_SCORE/CVSS3_BASE") or child_text(entry, "CVSS3_BASE"),
            ),
        )
    )
    fields: list[tuple[str, str]] = [("Category", category)] if category else []
    for label, path, flat in (
        ("CVSS Temporal Score", "CVSS_SCORE/CVSS_TEMPORAL", "CVSS_TEMPORAL"),
        ("CVSSv3 Temporal Score", "CVSS3_SCORE/CVSS3_TEMPORAL", "CVSS3_TEMPORAL"),
    ):
        temporal = _qualys.value(child_text(entry, path) or child_text(entry, flat))
        if temporal:
            fields.append((label, temporal))
    fields += leftovers
    fields += knowledge.kb_fields(entry)
    return Definition(
        qid=qid,
        title=_text.clean(child_text(entry, "TITLE")).replace("\n", " "),
        level=level,
        description=description,
        recommendations=recommendations,
        references=knowledge.kb_references(entry),
        cves=knowledge.kb_cves(entry, cve_attr),
        scores=tuple(scores),
        fields=tuple(fields),
    )


# --- <SCAN> -------------------------------------------------------------------------------------

_SCAN_ITEMS = ("VULN", "PRACTICE", "INFO", "SERVICE")


def _parse_scan(stream: BinaryIO) -> Iterator[ScanRecord]:
    ports: dict[tuple[str, str], Port] = {}
    for element in iter_elements(stream, source=_qualys.SOURCE, roots=ROOTS, tags=(*_SCAN_ITEMS, "IP")):
        if element.tag == "IP":
            yield _scan_asset(element, tuple(ports.values()))
            ports = {}
            continue
        category = element.getparent()
        if category is None or category.tag != "CAT":
            continue
        finding = _qualys.build(*_scan_item(element, category))
        if finding.port is not None:
            ports.setdefault((finding.port.number, finding.port.protocol), finding.port)
        yield finding


def _scan_item(item: etree._Element, category: etree._Element) -> tuple[Definition, Sighting]:
    group = category.getparent()
    ip = group.getparent() if group is not None else None
    qid = item.get("number", "")
    definition = _kb_definition(
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
        evidence=_result_evidence(item.find("RESULT"), port, details),
    )


def _scan_asset(ip: etree._Element, ports: tuple[Port, ...]) -> ScanAsset:
    address = ip.get("value", "")
    dns = ip.get("name", "")
    if dns.lower() in ("no registered hostname", "no_registered_hostname"):
        dns = ""
    return _asset(
        address,
        ips=(address,),
        dns=dns,
        netbios=child_text(ip, "NETBIOS_HOSTNAME"),
        operating_system=child_text(ip, "OS"),
        ports=ports,
    )


# --- <HOST_LIST_VM_DETECTION_OUTPUT> ------------------------------------------------------------


def _parse_detections(stream: BinaryIO) -> Iterator[ScanRecord]:
    ports: dict[tuple[str, str], Port] = {}
    for element in iter_elements(stream, source=_qualys.SOURCE, roots=ROOTS, tags=("DETECTION", "HOST")):
        if element.tag == "HOST":
            yield _host_asset(element, tuple(ports.values()))
            ports = {}
            continue
        finding = _qualys.build(*_detection(element))
        if finding.port is not None:
            ports.setdefault((finding.port.number, finding.port.protocol), finding.port)
        yield finding


def _detection(detection: etree._Element) -> tuple[Definition, Sighting]:
    cells = _qualys.children(detection)
    qid = cells.get("QID", "")
    definition = Definition(
        qid=qid,
        title=f"Qualys QID {qid}",
        level=cells.get("SEVERITY", ""),
        fields=(("Qualys Note", "the host detection list carries no knowledge base; the title is the QID"),),
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
        asset=_host_name(_grandparent(detection)) or None,
        port=port,
        evidence=_result_evidence(detection.find("RESULTS"), port, details),
    )
