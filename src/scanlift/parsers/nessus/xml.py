"""Nessus v2 (.nessus) XML, the ``<NessusClientData_v2>`` export (part of source ``nessus``).

Mapping (see docs/sources.md): one finding per ``pluginID``; one asset per ``ReportHost`` named as
the scan names it; each ReportItem is one sighting on (host, port) whose ``plugin_output`` is
evidence. Severity is the item's own 0-4 ``severity`` attribute, which is what the Nessus UI
shows; ``risk_factor`` is used only when that attribute is missing, and CVSS scores are kept as
scores without overriding it.

Streaming: one ``ReportItem`` at a time; a host's properties and ports are kept until its
``ReportHost`` ends, and the scan ``<Policy>`` is freed unread.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.xml import iter_elements
from scanlift.parsers.base import (
    Evidence,
    FindingDefinition,
    Port,
    ScanAsset,
    ScanFinding,
    ScanRecord,
    Score,
    Severity,
    Upload,
)

SOURCE = "nessus"
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


def parse_nessus_xml(upload: Upload) -> Iterator[ScanRecord]:
    """Yield each ReportItem as a finding, and each ReportHost as an asset once its items are done."""
    host_props: dict[str, str] = {}
    host_ports: dict[tuple[str, str], Port] = {}
    for element in iter_elements(
        upload.stream,
        source=SOURCE,
        roots=(ROOT,),
        tags=("HostProperties", "ReportItem", "ReportHost"),
        discard=("Policy",),
        head=upload.head,
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

#: A child element's (tag, text), in document order.
_Children = tuple[tuple[str, str], ...]


def _split_children(item: etree._Element) -> tuple[str, _Children]:
    """The item's plugin output, and every other child: the plugin's facts, the same on every host."""
    output = ""
    facts: list[tuple[str, str]] = []
    for child in item:
        tag = child.tag
        if tag == "plugin_output":
            output = (child.text or "").strip()
        elif isinstance(tag, str):
            facts.append((tag, child.text or ""))
    return output, tuple(facts)


# A plugin's facts repeat on every host it fires on, so mapping them once per distinct plugin
# text saves most of the per-item work. The cache is bounded, so memory stays flat.
@lru_cache(maxsize=4096)
def _plugin_definition(plugin_id: str, plugin_name: str, family: str, children: _Children) -> FindingDefinition:
    """The plugin's finding; its severity is the Risk Factor label's, for items without a level."""
    texts: dict[str, str] = {}
    lists: dict[str, list[str]] = {name: [] for name in _REPEATED}
    for tag, raw in children:
        text = raw.strip()
        if tag in _REPEATED:
            if text:
                lists[tag].append(text)
        else:
            texts.setdefault(tag, text)
    title = plugin_name or texts.get("plugin_name") or f"Nessus plugin {plugin_id}"
    xrefs = lists["xref"]
    cwes = [_ids.parse_cwe(c) for c in lists["cwe"]]
    cwes += [_ids.parse_cwe(x.split(":", 1)[1]) for x in xrefs if x.upper().startswith("CWE:")]
    risk_factor = texts.get("risk_factor", "")
    fields = [("Nessus Plugin ID", plugin_id), ("Plugin Family", family)]
    fields += [(label, texts.get(tag, "")) for tag, label in _FIELD_ELEMENTS]
    fields.append(("Risk Factor", risk_factor))
    return FindingDefinition(
        flaw_id=plugin_id or _ids.title_flaw_id(title),
        title=title,
        severity=_severity.from_label(risk_factor) or Severity.INFORMATIONAL,
        description=_text.join_paragraphs(texts.get("synopsis"), texts.get("description")),
        recommendations=_text.clean(texts.get("solution")),
        references=_ids.unique(line for text in lists["see_also"] for line in text.splitlines()),
        cves=_ids.find_cves(*lists["cve"], *xrefs),
        cwes=tuple(dict.fromkeys(c for c in cwes if c is not None)),
        scores=_scores(texts),
        fields=tuple((label, value) for label, value in fields if value),
    )


@lru_cache(maxsize=1024)
def _port_and_caption(number: str, protocol: str, service: str) -> tuple[Port | None, str]:
    if number == "0":
        return None, "Plugin output"
    port = Port(number=number, protocol=protocol.lower(), service=service)
    return port, f"Plugin output ({port.protocol}/{port.number}/{port.service})"


def _finding(item: etree._Element, host: str) -> ScanFinding:
    output, children = _split_children(item)
    get = item.get
    plugin = _plugin_definition(get("pluginID") or "", get("pluginName") or "", get("pluginFamily") or "", children)
    port, caption = _port_and_caption(get("port") or "0", get("protocol") or "tcp", get("svc_name") or "")
    return plugin.sighted(
        asset=host,
        port=port,
        evidence=(Evidence(caption=caption, code=output),) if output else (),
        # The item's own 0-4 level, else the plugin's (its Risk Factor label).
        severity=_severity.from_scale(get("severity"), _severity.ZERO_TO_FOUR),
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
