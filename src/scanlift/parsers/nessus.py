"""Nessus v2 (.nessus) XML, and Nessus/Tenable CSV exports (nessus_csv.py), under one source id.

Mapping (see docs/sources.md): one finding per ``pluginID``; one asset per ``ReportHost`` named as
the scan names it; each ReportItem is one sighting on (host, port) whose ``plugin_output`` is
evidence. Severity is the item's own 0-4 ``severity`` attribute, which is what the Nessus UI
shows; ``risk_factor`` is used only when that attribute is missing, and CVSS scores are kept as
scores without overriding it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, ClassVar

from lxml import etree

from scanlift.parsers import _ids, _severity, _text
from scanlift.parsers._replay import read_head, replay
from scanlift.parsers._sniff import xml_root
from scanlift.parsers._xml import iter_elements
from scanlift.parsers.base import (
    Evidence,
    Port,
    ScanAsset,
    ScanFinding,
    ScanRecord,
    Score,
    Severity,
    Sniff,
)
from scanlift.parsers.nessus_csv import looks_like_nessus_csv, parse_nessus_csv

ROOT = "NessusClientData_v2"

#: (score kind, vector element, score element), most recent CVSS version first.
_SCORE_ELEMENTS = (
    ("CVSS4", "cvss4_vector", "cvss4_base_score"),
    ("CVSS3", "cvss3_vector", "cvss3_base_score"),
    ("CVSS2", "cvss_vector", "cvss_base_score"),
)

#: ReportItem children kept as custom fields, with their labels.
_FIELD_ELEMENTS = (
    ("plugin_type", "Plugin Type"),
    ("vpr_score", "VPR Score"),
    ("epss_score", "EPSS Score"),
    ("exploit_available", "Exploit Available"),
    ("exploitability_ease", "Exploitability Ease"),
    ("stig_severity", "STIG Severity"),
    ("plugin_publication_date", "Plugin Publication Date"),
    ("plugin_modification_date", "Plugin Modification Date"),
)


class NessusParser:
    source: ClassVar[str] = "nessus"
    label: ClassVar[str] = "Nessus"

    def sniff(self, head: Sniff) -> bool:
        root = xml_root(head.head)
        return (root is not None and root.name == ROOT) or looks_like_nessus_csv(head.head)

    def parse(self, stream: BinaryIO) -> Iterator[ScanRecord]:
        head = read_head(stream)
        stream = replay(head, stream)
        if xml_root(head) is None and looks_like_nessus_csv(head):
            return parse_nessus_csv(stream)
        return self._parse_xml(stream)

    def _parse_xml(self, stream: BinaryIO) -> Iterator[ScanRecord]:
        host_props: dict[str, str] = {}
        host_ports: dict[tuple[str, str], Port] = {}
        for element in iter_elements(
            stream,
            source=self.source,
            roots=(ROOT,),
            tags=("HostProperties", "ReportItem", "ReportHost"),
            discard=("Policy",),
        ):
            name = element.tag
            if name == "HostProperties":
                host_props = {tag.get("name", ""): (tag.text or "").strip() for tag in element.iterchildren("tag")}
            elif name == "ReportItem":
                host = _host_name(element)
                finding = _finding(element, host)
                if finding.port is not None:
                    host_ports.setdefault((finding.port.number, finding.port.protocol), finding.port)
                yield finding
            else:  # ReportHost: its items are done, so its ports are known
                yield _asset(element.get("name") or "", host_props, tuple(host_ports.values()))
                host_props, host_ports = {}, {}


def _host_name(item: etree._Element) -> str:
    host = item.getparent()
    return (host.get("name") if host is not None else None) or ""


#: Children that may repeat; every other child is read once, first occurrence wins.
_REPEATED = frozenset({"cve", "cwe", "xref", "see_also"})


def _children(item: etree._Element) -> tuple[dict[str, str], dict[str, list[str]]]:
    """One pass over a ReportItem's children: single-valued texts and the repeated ones."""
    single: dict[str, str] = {}
    repeated: dict[str, list[str]] = {name: [] for name in _REPEATED}
    for child in item:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        text = (child.text or "").strip()
        if tag in _REPEATED:
            if text:
                repeated[tag].append(text)
        elif tag not in single:
            single[tag] = text
    return single, repeated


def _severity_of(item: etree._Element, risk_factor: str) -> Severity:
    by_attribute = _severity.from_scale(item.get("severity"), _severity.ZERO_TO_FOUR)
    if by_attribute is not None:
        return by_attribute
    return _severity.from_label(risk_factor) or Severity.INFORMATIONAL


def _finding(item: etree._Element, host: str) -> ScanFinding:
    texts, lists = _children(item)
    plugin_id = item.get("pluginID") or ""
    title = item.get("pluginName") or texts.get("plugin_name") or f"Nessus plugin {plugin_id}"
    xrefs = lists["xref"]
    cwes = [_ids.parse_cwe(c) for c in lists["cwe"]]
    cwes += [_ids.parse_cwe(x.split(":", 1)[1]) for x in xrefs if x.upper().startswith("CWE:")]
    port_number = item.get("port") or "0"
    port = None
    if port_number != "0":
        port = Port(
            number=port_number,
            protocol=(item.get("protocol") or "tcp").lower(),
            service=item.get("svc_name") or "",
        )
    output = texts.get("plugin_output", "")
    evidence: tuple[Evidence, ...] = ()
    if output:
        where = f" ({port.protocol}/{port.number}/{port.service})" if port else ""
        evidence = (Evidence(caption=f"Plugin output{where}", code=output),)
    risk_factor = texts.get("risk_factor", "")
    fields = [("Nessus Plugin ID", plugin_id), ("Plugin Family", item.get("pluginFamily") or "")]
    fields += [(label, texts.get(tag, "")) for tag, label in _FIELD_ELEMENTS]
    fields.append(("Risk Factor", risk_factor))
    return ScanFinding(
        flaw_id=plugin_id or _ids.title_flaw_id(title),
        title=title,
        severity=_severity_of(item, risk_factor),
        description=_text.join_paragraphs(texts.get("synopsis"), texts.get("description")),
        recommendations=_text.clean(texts.get("solution")),
        references=_ids.unique(line for text in lists["see_also"] for line in text.splitlines()),
        cves=_ids.find_cves(*lists["cve"], *xrefs),
        cwes=tuple(dict.fromkeys(c for c in cwes if c is not None)),
        scores=_scores(texts),
        fields=tuple((label, value) for label, value in fields if value),
        asset=host,
        port=port,
        evidence=evidence,
    )


def _scores(texts: dict[str, str]) -> tuple[Score, ...]:
    scores = []
    for kind, vector_tag, score_tag in _SCORE_ELEMENTS:
        vector, score = texts.get(vector_tag, ""), texts.get(score_tag, "")
        if vector or score:
            scores.append(Score(kind=kind, vector=vector, score=score))
    return tuple(scores)


def _asset(name: str, props: dict[str, str], ports: tuple[Port, ...]) -> ScanAsset:
    ips = _ids.unique([props.get("host-ip", ""), *props.get("host-ips", "").split(",")])
    fqdn = props.get("host-fqdn", "")
    return ScanAsset(
        name=name,
        ips=ips,
        hostname=props.get("hostname", "") or (fqdn.split(".", 1)[0] if fqdn else ""),
        fqdn=fqdn,
        netbios=props.get("netbios-name", ""),
        mac=_text.clean(props.get("mac-address", "")).replace("\n", ", "),
        operating_system=_text.clean(props.get("operating-system", "")).replace("\n", " / "),
        ports=ports,
        description=_patch_summary(props),
    )


def _patch_summary(props: dict[str, str]) -> str:
    """Nessus's per-host patch summary: each missing patch with the CVEs it fixes."""
    entries = []
    for name, text in props.items():
        if name.startswith("patch-summary-txt-"):
            cves = props.get("patch-summary-cves-" + name.removeprefix("patch-summary-txt-"), "")
            cve_list = ", ".join(_ids.find_cves(cves))
            entries.append(_text.clean(text) + (f"\nCVEs: {cve_list}" if cve_list else ""))
    return ("Missing patches (Nessus patch summary):\n\n" + "\n\n".join(entries)) if entries else ""
