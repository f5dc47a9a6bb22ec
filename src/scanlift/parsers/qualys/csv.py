"""Qualys CSV exports, one row per detection.

Three column sets are read by one name-based mapping (see docs/sources.md (qualys)):

* VM scan report CSV (``"IP","Network","DNS",…,"QID","Title",…,"Severity",…``), optionally
  after Qualys's report preamble;
* PCI / HackerGuardian CSV (``IP,HOSTNAME,…,QID,VULN TITLE,TYPE,SEVERITY,…,Q_SEVERITY,…``):
  ``SEVERITY`` there is the PCI rating, the Qualys level is ``Q_SEVERITY``;
* VMDR "Asset Vuln Datalist" (QID or CVE view), after a three-line preamble.

The header is the first row, within the first 64 lines, that has a ``QID`` column and a
``Title`` or ``VULN TITLE`` column. Each later row is one sighting: flaw_id = QID, severity =
the Qualys level through PlexTrac's table (tag ``minimal`` at 1), description = Threat +
Impact, recommendations = Solution, every CVE of the CVE column, CVSS base scores, the
Results column as evidence. Host columns describe the asset (named by IP address); detection
columns (status, dates, type…) go into the evidence caption; every other non-empty column is
kept as a custom field under its own header.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterator, Mapping
from typing import BinaryIO

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.csv import MAX_HEADER_BYTES, iter_rows, sniff_delimiter
from scanlift.parsers.base import Evidence, FindingDefinition, InvalidFile, Port, ScanAsset, ScanRecord, Severity
from scanlift.parsers.qualys import common as _qualys
from scanlift.parsers.qualys import records
from scanlift.parsers.qualys.records import Sighting, build

#: How far down the header row may be (Qualys puts report details above it).
HEADER_SEARCH_LINES = 64

_TITLE_COLUMNS = ("title", "vuln title")
_IP_COLUMNS = ("ip", "asset ipv4", "asset ipv6")
_NAME_COLUMNS = ("dns", "hostname", "asset name", "netbios")

#: Host columns with no ScanAsset field of their own: kept as "Label: value" lines in the
#: asset's description.
_ASSET_FACT_COLUMNS = frozenset(
    {
        "network",
        "tracking method",
        "ip status",
        "os cpe",
        "associated tags",
        "asset tags",
        "asset id",
        "asset critical score",
        "trurisk score",
    }
)
#: Columns that describe the host rather than the finding.
_ASSET_COLUMNS = frozenset({*_IP_COLUMNS, *_NAME_COLUMNS, "os", "operating system", *_ASSET_FACT_COLUMNS})

#: Detection columns -> their label in the evidence caption ("" = the value alone).
_DETECTION_COLUMNS: Mapping[str, str] = {
    "type": "",
    "type detected": "",
    "fqdn": "virtual host",
    "ssl": "SSL",
    "instance": "instance",
    "vuln status": "status",
    "status": "status",
    "first detected": "first detected",
    "last detected": "last detected",
    "last scan": "last scan",
    "times detected": "times detected",
    "date last fixed": "last fixed",
    "last fixed": "last fixed",
    "last reopened": "last reopened",
    "ticket state": "ticket state",
    "false positive status": "false positive status",
    "disabled": "disabled",
    "ignored": "ignored",
    "detection age": "detection age (days)",
    "detection source": "detection source",
    "deep scan result": "deep scan result",
}
_FLAG_OFF = frozenset({"no", "false", "0", "n"})
_FLAG_COLUMNS = frozenset({"ssl", "disabled", "ignored"})

_CVE_COLUMNS = ("cve id", "cveid", "cve")
#: (score kind, field label when the value is not a score, candidate columns).
_SCORE_COLUMNS = (
    ("CVSS2", "CVSS Base", ("cvss base", "cvss_base", "cvssv2 base (nvd)")),
    ("CVSS3", "CVSS3 Base", ("cvss3 base",)),
    ("CVSS3_1", "CVSSv3.1 Base (nvd)", ("cvssv3.1 base (nvd)",)),
)
_TEXT_COLUMNS = ("threat", "impact", "solution")
_RESULT_COLUMNS = ("results", "result")
_CONSUMED = frozenset(
    {
        "qid",
        *_TITLE_COLUMNS,
        "severity",
        "q_severity",
        *_TEXT_COLUMNS,
        *_CVE_COLUMNS,
        *(column for _kind, _label, columns in _SCORE_COLUMNS for column in columns),
        "cwe",
        "port",
        "protocol",
        *_RESULT_COLUMNS,
    }
)

#: Letters and words some PCI exports use for the level, for files without Q_SEVERITY.
_LEVEL_OF_LABEL: Mapping[Severity, str] = {
    Severity.INFORMATIONAL: "0",
    Severity.LOW: "2",
    Severity.MEDIUM: "3",
    Severity.HIGH: "4",
    Severity.CRITICAL: "5",
}
_LETTERS = {"l": "low", "m": "medium", "h": "high", "c": "critical", "i": "info"}


def is_header(cells: list[str]) -> bool:
    names = {c.strip().lower() for c in cells}
    return "qid" in names and any(t in names for t in _TITLE_COLUMNS)


def _cells(line: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=sniff_delimiter(line)), [])
    except csv.Error:
        return []


def looks_like(head: bytes) -> bool:
    """A Qualys CSV header row within the first lines of ``head``."""
    text = head.decode("utf-8-sig", errors="replace")
    for line in text.splitlines()[:HEADER_SEARCH_LINES]:
        if line.lstrip().startswith(("<", "{", "[")):
            return False
        if is_header(_cells(line)):
            return True
    return False


def parse(stream: BinaryIO) -> Iterator[ScanRecord]:
    header = _find_header(stream)
    current: ScanAsset | None = None
    ports: dict[tuple[str, str], Port] = {}
    for row in iter_rows(stream, source=_qualys.SOURCE, header_line=header):
        cells = {name.strip().lower(): text for name, text in row.items()}
        qid = cells.get("qid", "").strip()
        if qid.lower() == "qid" or not (qid or _pick(cells, _TITLE_COLUMNS)):
            continue  # a repeated header row, or a row that is not a detection
        asset = _asset(cells, row)
        if current is not None and asset.name != current.name:
            yield _with_ports(current, ports)
            ports = {}
        current = asset if asset.name else None
        finding = build(_definition(cells, row), _sighting(cells, asset.name))
        if finding.port is not None and current is not None:
            ports.setdefault((finding.port.number, finding.port.protocol), finding.port)
        yield finding
    if current is not None:
        yield _with_ports(current, ports)


def _find_header(stream: BinaryIO) -> bytes:
    """Skip the report preamble and return the header line's bytes."""
    first = ""
    for number in range(HEADER_SEARCH_LINES):
        line = stream.readline(MAX_HEADER_BYTES)
        if not line:
            break
        text = line.decode("utf-8-sig", errors="replace").strip()
        if number == 0:
            first = text
        if is_header(_cells(text)):
            return line
    if not first:
        raise InvalidFile(_qualys.SOURCE, "the file is empty")
    shown = first if len(first) <= 120 else first[:117] + "..."
    raise InvalidFile(
        _qualys.SOURCE,
        f"no Qualys CSV header (a row with QID and Title or VULN TITLE columns) in the first "
        f"{HEADER_SEARCH_LINES} lines; the first line is: {shown}",
    )


def _pick(cells: Mapping[str, str], names: tuple[str, ...]) -> str:
    for name in names:
        text = _qualys.value(cells.get(name))
        if text:
            return text
    return ""


def _level(cells: Mapping[str, str]) -> tuple[str, list[tuple[str, str]]]:
    """The Qualys 0-5 level, plus the PCI rating as a field when that is what SEVERITY holds."""
    q_level = _qualys.value(cells.get("q_severity"))
    severity = _qualys.value(cells.get("severity"))
    if q_level.isdigit():
        return q_level, [("PCI Severity", severity)] if severity else []
    if severity.isdigit():
        return severity, []
    label = _severity.from_label(_LETTERS.get(severity.lower(), severity))
    if label is not None:
        return _LEVEL_OF_LABEL[label], [("Severity", severity)]
    return severity, []


def _definition(cells: Mapping[str, str], row: Mapping[str, str]) -> FindingDefinition:
    level, level_fields = _level(cells)
    threat, impact, solution = (cells.get(name, "") for name in _TEXT_COLUMNS)
    scores, leftovers = _qualys.scores_and_leftovers(
        (kind, label, _pick(cells, columns)) for kind, label, columns in _SCORE_COLUMNS
    )
    fields = [*level_fields, *leftovers]
    for header, text in row.items():
        name = header.strip().lower()
        if name in _CONSUMED or name in _ASSET_COLUMNS or name in _DETECTION_COLUMNS:
            continue
        kept = _qualys.value(text)
        if kept:
            fields.append((header.strip(), kept))
    cwes = [_ids.parse_cwe(part) for part in cells.get("cwe", "").split(",")]
    return records.definition(
        qid=cells.get("qid", "").strip(),
        title=_text.clean(_pick(cells, _TITLE_COLUMNS)).replace("\n", " "),
        level=level,
        description=_text.join_paragraphs(_qualys.kb_text(threat), _qualys.kb_text(impact)),
        recommendations=_qualys.kb_text(solution),
        references=_ids.unique([*_qualys.links_in(threat), *_qualys.links_in(impact), *_qualys.links_in(solution)]),
        cves=_ids.find_cves(*(cells.get(name, "") for name in _CVE_COLUMNS)),
        cwes=tuple(dict.fromkeys(c for c in cwes if c is not None)),
        scores=tuple(scores),
        fields=tuple(fields),
    )


def _sighting(cells: Mapping[str, str], asset: str) -> Sighting:
    port = _qualys.port_of(cells.get("port"), cells.get("protocol"))
    details: list[tuple[str, str]] = []
    for column, label in _DETECTION_COLUMNS.items():
        text = _qualys.value(cells.get(column))
        if not text or (column in _FLAG_COLUMNS and text.lower() in _FLAG_OFF):
            continue
        details.append((label, _qualys.type_words(text) if column.startswith("type") else text))
    result = _pick(cells, _RESULT_COLUMNS)
    evidence: tuple[Evidence, ...] = ()
    if result:
        where = _qualys.port_label(port)
        base = f"Result ({where})" if where else "Result"
        evidence = (Evidence(caption=_qualys.caption(base, details), code=result),)
    return Sighting(asset=asset or None, port=port, evidence=evidence)


def _asset(cells: Mapping[str, str], row: Mapping[str, str]) -> ScanAsset:
    ips = [_qualys.value(cells.get(name)) for name in _IP_COLUMNS]
    dns = _pick(cells, ("dns", "hostname"))
    name = _pick(cells, _IP_COLUMNS) or dns or _pick(cells, ("asset name", "netbios"))
    return ScanAsset(
        name=name,
        ips=_ids.unique(ips),
        hostname=_qualys.value(cells.get("asset name")) or (dns.split(".", 1)[0] if dns else ""),
        fqdn=dns if "." in dns and not _ids.is_ip(dns) else "",
        netbios=_qualys.value(cells.get("netbios")),
        operating_system=_pick(cells, ("os", "operating system")),
        description=_qualys.facts(
            (header.strip(), _qualys.value(text))
            for header, text in row.items()
            if header.strip().lower() in _ASSET_FACT_COLUMNS
        ),
    )


def _with_ports(asset: ScanAsset, ports: dict[tuple[str, str], Port]) -> ScanAsset:
    return dataclasses.replace(asset, ports=tuple(ports.values()))
