"""Nessus / Tenable CSV exports (part of source ``nessus``; ``nessus.xml`` reads the .nessus XML).

Five dialects are read through one table of column aliases, never per-file code: Nessus
("Plugin ID", "Risk", "Host", "Name"), Nessus WAS (the same plus "CVSSv3"), Tenable.sc ("Plugin",
"Plugin Name", "IP Address", "Severity"), Tenable.io / Tenable VM (``;``-separated,
``asset.name;definition.id;…``), and Tenable.io's UI export with extra and blank header cells.
Header names match case-insensitively (see ``csv_columns``); BOM and CRLF are handled by
``_csv.iter_rows``.

Mapping is the XML parser's (see docs/sources.md (nessus_csv)): one finding per plugin id; one asset
per host named as the scan names it (Host, else asset.name, else IP Address); each row is one
sighting on (host, port) whose plugin output is evidence, captioned ``Plugin output (tcp/443/www)``.
Severity is the row's own level (Severity, Risk or Tenable.io severity: 0-4 or a label, "None" →
Informational); Risk Factor is used only when those are empty, and CVSS scores never override it.

Nessus writes one row per (plugin, host, port, CVE), so a plugin with nine CVEs gives nine rows and
nine sightings; the merger folds them into one finding with all nine CVEs. Rows of one host need
not be contiguous, so a ``ScanAsset`` is yielded whenever a row shows the host with a port or
attribute not yet yielded among the recently seen hosts (a bounded LRU); the merger merges them.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator
from typing import BinaryIO

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.csv import header_of, iter_rows
from scanlift.parsers.base import Evidence, InvalidFile, Port, ScanAsset, ScanFinding, ScanRecord, Score, Severity
from scanlift.parsers.nessus.csv_columns import ALIASES, SOURCE, Columns, first_of, norm, take_header_row

#: Cell values that exporters write for "no value"; not worth a custom field.
_EMPTY_MARKERS = frozenset({"", "n/a", "null"})

#: How many recently yielded (host, port, attributes) records are remembered to skip repeats.
_RECENT_ASSETS = 4096

_CWE_LIST_RE = re.compile(r"CWE\s*[=:#]\s*\[([^\]]*)\]", re.IGNORECASE)
_CWE_ONE_RE = re.compile(r"CWE\s*[=:#-]\s*(\d{1,5})\b", re.IGNORECASE)
_REFERENCE_SPLIT_RE = re.compile(r"\s*\n\s*|,\s+(?=[a-z][a-z0-9+.-]*://)", re.IGNORECASE)
_LIST_SPLIT_RE = re.compile(r"[,\s]+")


def looks_like_nessus_csv(head: bytes) -> bool:
    """True when the first bytes are a Nessus/Tenable CSV header: plugin id, plugin name and host columns."""
    header = header_of(head)
    if header is None:
        return False
    names = {norm(h) for h in header}
    return all(names.intersection(ALIASES[key]) for key in ("plugin_id", "name", "host"))


def parse_nessus_csv(stream: BinaryIO) -> Iterator[ScanRecord]:
    """Yield one ``ScanFinding`` per row and a ``ScanAsset`` whenever a row shows a host anew."""
    header, header_line = take_header_row(stream)
    columns = Columns(header)
    recent: OrderedDict[ScanAsset, None] = OrderedDict()
    for number, row in enumerate(iter_rows(stream, source=SOURCE, header_line=header_line), start=1):
        host = columns.first(row, "host")
        port = _port(columns, row)
        if host:
            asset = _asset(columns, row, host, port)
            if asset in recent:
                recent.move_to_end(asset)
            else:
                recent[asset] = None
                if len(recent) > _RECENT_ASSETS:
                    recent.popitem(last=False)
                yield asset
        yield _finding(columns, row, number, host, port)


def _finding(columns: Columns, row: dict[str, str], number: int, host: str, port: Port | None) -> ScanFinding:
    plugin_id = columns.first(row, "plugin_id")
    name = columns.first(row, "name")
    if not plugin_id and not name:
        raise InvalidFile(SOURCE, f"data row {number} has neither a plugin id nor a plugin name")
    title = name or f"Nessus plugin {plugin_id}"
    synopsis, description = columns.first(row, "synopsis"), columns.first(row, "description")
    see_also, output = columns.first(row, "see_also"), _text.clean(columns.first(row, "output"))
    xrefs = columns.all(row, "xref")
    evidence: tuple[Evidence, ...] = ()
    if output:
        evidence = (Evidence(caption=_caption(port), code=output),)
    return ScanFinding(
        flaw_id=plugin_id or _ids.title_flaw_id(title),
        title=title,
        severity=_severity_of(columns, row),
        description=_text.join_paragraphs(synopsis, description),
        recommendations=_text.clean(columns.first(row, "solution")),
        references=_ids.unique(_REFERENCE_SPLIT_RE.split(see_also)),
        cves=_ids.find_cves(*columns.all(row, "cve"), *xrefs, title, synopsis, description, see_also, output),
        cwes=_cwes(columns.all(row, "cwe"), xrefs),
        scores=_scores(columns, row),
        fields=_fields(columns, row, plugin_id),
        asset=host or None,
        port=port,
        evidence=evidence,
    )


def _caption(port: Port | None) -> str:
    if port is None:
        return "Plugin output"
    where = "/".join(p for p in (port.protocol, port.number, port.service) if p)
    return f"Plugin output ({where})"


def _severity_of(columns: Columns, row: dict[str, str]) -> Severity:
    for value in columns.all(row, "severity"):
        level = _severity.from_scale(value, _severity.ZERO_TO_FOUR) or _severity.from_label(value)
        if level is not None:
            return level
    return _severity.from_label(columns.first(row, "risk_factor")) or Severity.INFORMATIONAL


def _cwes(cwe_cells: list[str], xrefs: list[str]) -> tuple[int, ...]:
    found: list[int | None] = [_ids.parse_cwe(v) for cell in cwe_cells for v in cell.split(",")]
    for text in xrefs:
        for listed in _CWE_LIST_RE.findall(text):
            found += [_ids.parse_cwe(v) for v in listed.split(",")]
        found += [int(v) for v in _CWE_ONE_RE.findall(text)]
    return tuple(dict.fromkeys(c for c in found if c is not None))


def _scores(columns: Columns, row: dict[str, str]) -> tuple[Score, ...]:
    scores = []
    for kind, vector_names, score_names in columns.scores:
        vector, score = first_of(row, vector_names), first_of(row, score_names)
        if vector or score:
            scores.append(Score(kind=kind, vector=vector, score=score))
    return tuple(scores)


def _fields(columns: Columns, row: dict[str, str], plugin_id: str) -> tuple[tuple[str, str], ...]:
    fields = [("Nessus Plugin ID", plugin_id)]
    fields += [(label, first_of(row, names)) for label, names in columns.fields]
    fields += [(name, row.get(name, "").strip()) for name in columns.unnamed]
    risk_factor = columns.first(row, "risk_factor")
    if risk_factor:
        fields.append(("Risk Factor", risk_factor))
    return tuple((label, value) for label, value in fields if value.lower() not in _EMPTY_MARKERS)


def _port(columns: Columns, row: dict[str, str]) -> Port | None:
    number = columns.first(row, "port")
    if number in ("", "0"):
        return None
    return Port(
        number=number,
        protocol=(columns.first(row, "protocol") or "tcp").lower(),
        service=columns.first(row, "service"),
    )


def _asset(columns: Columns, row: dict[str, str], host: str, port: Port | None) -> ScanAsset:
    ips = [ip for cell in columns.all(row, "ip") for ip in _LIST_SPLIT_RE.split(cell)]
    if _ids.is_ip(host):
        ips.insert(0, host)
    fqdn = columns.first(row, "fqdn")
    return ScanAsset(
        name=host,
        ips=_ids.unique(ip for ip in ips if _ids.is_ip(ip)),
        hostname=columns.first(row, "hostname") or (fqdn.split(".", 1)[0] if fqdn and not _ids.is_ip(fqdn) else ""),
        fqdn=fqdn,
        netbios=columns.first(row, "netbios"),
        mac=_text.clean(columns.first(row, "mac")).replace("\n", ", "),
        operating_system=_text.clean(columns.first(row, "os")).replace("\n", " / "),
        ports=(port,) if port is not None else (),
    )
