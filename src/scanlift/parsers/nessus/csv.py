"""Nessus / Tenable CSV exports (part of source ``nessus``; nessus.py handles the .nessus XML).

Five dialects are read through one table of column aliases, never per-file code: Nessus
("Plugin ID", "Risk", "Host", "Name"), Nessus WAS (the same plus "CVSSv3"), Tenable.sc ("Plugin",
"Plugin Name", "IP Address", "Severity"), Tenable.io / Tenable VM (``;``-separated,
``asset.name;definition.id;…``), and Tenable.io's UI export with extra and blank header cells.
Header names match case-insensitively; BOM and CRLF are handled by ``_csv.iter_rows``.

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

import csv
import io
import ipaddress
import re
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import BinaryIO

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.csv import header_of, iter_rows, sniff_delimiter
from scanlift.parsers._lib.replay import replay
from scanlift.parsers.base import (
    Evidence,
    InvalidFile,
    Port,
    ScanAsset,
    ScanFinding,
    ScanRecord,
    Score,
    Severity,
)

SOURCE = "nessus"

#: Canonical column -> header aliases (lower case), most specific first.
_ALIASES: Mapping[str, tuple[str, ...]] = {
    "plugin_id": ("plugin id", "plugin", "definition.id"),
    "name": ("name", "plugin name", "definition.name"),
    "host": ("host", "asset.name", "ip address", "dns name", "asset.display_fqdn", "netbios name"),
    # Severity as the scan shows it: a 0-4 number or a label. Tenable.io's ``severity`` is the
    # instance's (it follows CVSSv3 when the scan uses it); ``definition.severity`` is the plugin default.
    "severity": ("severity", "risk", "definition.severity"),
    "risk_factor": ("risk factor",),
    "synopsis": ("synopsis", "definition.synopsis"),
    "description": ("description", "definition.description"),
    "solution": ("solution", "steps to remediate", "definition.solution"),
    "see_also": ("see also", "definition.see_also"),
    "output": ("plugin output", "plugin text", "output"),
    "cve": ("cve", "definition.cve"),
    "xref": ("xref", "cross references", "definition.references"),
    "cwe": ("cwe", "definition.cwe"),
    "port": ("port",),
    "protocol": ("protocol",),
    "service": ("service", "svc_name", "service name"),
    "ip": ("ip address", "asset.display_ipv4_address", "asset.display_ipv6_address", "ip"),
    "fqdn": ("fqdn", "dns name", "asset.display_fqdn", "asset.fqdn"),
    "hostname": ("asset.host_name", "hostname"),
    "netbios": ("netbios name", "netbios", "asset.netbios_name"),
    "mac": ("mac address", "asset.display_mac_address", "mac"),
    "os": ("os", "operating system", "asset.operating_system"),
}

#: (score kind, vector aliases, score aliases), most recent CVSS version first, as in nessus.py.
_SCORE_COLUMNS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "CVSS4",
        ("cvss v4.0 vector", "cvss v4 vector", "cvss4 vector", "definition.cvss4.base_vector"),
        ("cvss v4.0 base score", "cvss v4 base score", "cvss4 base score", "definition.cvss4.base_score"),
    ),
    (
        "CVSS3",
        ("cvss v3 vector", "cvss v3.0 vector", "cvss3 vector", "definition.cvss3.base_vector"),
        (
            "cvss v3 base score",
            "cvss v3.0 base score",
            "cvss3 base score",
            "cvssv3",
            "definition.cvss3.base_score",
        ),
    ),
    (
        "CVSS2",
        ("cvss v2 vector", "cvss v2.0 vector", "cvss vector", "definition.cvss2.base_vector"),
        (
            "cvss v2 base score",
            "cvss v2.0 base score",
            "cvss base score",
            "cvss",
            "definition.cvss2.base_score",
        ),
    ),
)

#: Plugin-level columns kept as custom fields: (label, header aliases). Labels match nessus.py's.
_FIELD_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Plugin Family", ("family", "plugin family", "definition.family")),
    ("Plugin Type", ("plugin type", "check type", "definition.type")),
    (
        "VPR Score",
        (
            "vpr score",
            "vulnerability priority rating",
            "vulnerability priority rating (vpr)",
            "definition.vpr.score",
        ),
    ),
    ("EPSS Score", ("epss score", "definition.epss.score")),
    ("Exploit Available", ("exploit available", "exploit?")),
    ("Exploitability Ease", ("exploit ease", "exploitability ease", "definition.exploitability_ease")),
    ("STIG Severity", ("stig severity", "definition.stig_severity")),
    ("Plugin Publication Date", ("plugin publication date", "definition.plugin_published")),
    ("Plugin Modification Date", ("plugin modification date", "definition.plugin_updated")),
    ("Plugin Version", ("plugin version", "version", "definition.plugin_version")),
    ("Plugin Severity", ("definition.severity",)),
    ("Original Severity", ("original severity",)),
    ("Severity Modification", ("modification", "risk_modified")),
    ("Recast Reason", ("recast_reason", "recast risk comment")),
    ("Accept Risk Comment", ("accept risk comment",)),
    ("Vulnerability State", ("vulnerability state", "state")),
    (
        "CVSS2 Temporal Score",
        (
            "cvss v2 temporal score",
            "cvss v2.0 temporal score",
            "cvss temporal score",
            "definition.cvss2.temporal_score",
        ),
    ),
    (
        "CVSS2 Temporal Vector",
        ("cvss v2 temporal vector", "cvss temporal vector", "definition.cvss2.temporal_vector"),
    ),
    (
        "CVSS3 Temporal Score",
        (
            "cvss v3 temporal score",
            "cvss v3.0 temporal score",
            "cvss3 temporal score",
            "definition.cvss3.temporal_score",
        ),
    ),
    (
        "CVSS3 Temporal Vector",
        ("cvss v3 temporal vector", "cvss3 temporal vector", "definition.cvss3.temporal_vector"),
    ),
    ("CVSS4 Base+Threat Score", ("cvss v4.0 base+threat score", "cvss4 base+threat score")),
    ("CPE", ("cpe", "definition.cpe")),
    ("BID", ("bid", "definition.bugtraq")),
    ("Cross References", ("xref", "cross references", "definition.references")),
    ("MSKB", ("mskb",)),
    ("IAVA", ("definition.iava",)),
    ("IAVB", ("definition.iavb",)),
    ("IAVM", ("definition.iavm",)),
    ("IAVT", ("definition.iavt",)),
    ("Vulnerability Publication Date", ("vuln publication date", "definition.vulnerability_published")),
    ("Patch Publication Date", ("patch publication date", "definition.patch_published")),
    ("Exploit Frameworks", ("exploit frameworks",)),
    ("Metasploit", ("metasploit",)),
    ("Core Impact", ("core impact", "core exploits")),
    ("CANVAS", ("canvas",)),
    ("D2 Elliot", ("d2 elliot",)),
    ("ExploitHub", ("exploithub",)),
    ("Exploited by Malware", ("exploited by malware", "definition.exploited_by_malware")),
    ("Exploited by Nessus", ("exploited by nessus", "definition.exploited_by_nessus")),
    ("Checks for Malware", ("checks for malware", "definition.malware")),
    ("In The News", ("in the news", "definition.in_the_news")),
    ("Unsupported By Vendor", ("unsupported by vendor", "definition.unsupported_by_vendor")),
    ("Default Account", ("default account", "definition.default_account")),
    ("Patch Available", ("patch available",)),
)

#: Cell values that exporters write for "no value"; not worth a custom field.
_EMPTY_MARKERS = frozenset({"", "n/a", "null"})

#: How many recently yielded (host, port, attributes) records are remembered to skip repeats.
_RECENT_ASSETS = 4096

#: The longest header row accepted; a longer first line is not a scanner CSV header.
_MAX_HEADER_BYTES = 1 << 20

_UNNAMED = "Unnamed column"
_CWE_LIST_RE = re.compile(r"CWE\s*[=:#]\s*\[([^\]]*)\]", re.IGNORECASE)
_CWE_ONE_RE = re.compile(r"CWE\s*[=:#-]\s*(\d{1,5})\b", re.IGNORECASE)
_REFERENCE_SPLIT_RE = re.compile(r"\s*\n\s*|,\s+(?=[a-z][a-z0-9+.-]*://)", re.IGNORECASE)
_LIST_SPLIT_RE = re.compile(r"[,\s]+")


def looks_like_nessus_csv(head: bytes) -> bool:
    """True when the first bytes are a Nessus/Tenable CSV header: plugin id, plugin name and host columns."""
    header = header_of(head)
    if header is None:
        return False
    names = {_norm(h) for h in header}
    return all(names.intersection(_ALIASES[key]) for key in ("plugin_id", "name", "host"))


def parse_nessus_csv(stream: BinaryIO) -> Iterator[ScanRecord]:
    """Yield one ``ScanFinding`` per row and a ``ScanAsset`` whenever a row shows a host anew."""
    header, body = _read_header(stream)
    columns = _Columns(header)
    recent: OrderedDict[ScanAsset, None] = OrderedDict()
    for number, row in enumerate(iter_rows(body, source=SOURCE), start=1):
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


class _Columns:
    """The header of one file, resolved against the alias tables once."""

    def __init__(self, header: list[str]) -> None:
        self._by_name: dict[str, str] = {}
        for name in header:
            self._by_name.setdefault(_norm(name), name)
        missing = [key for key in ("plugin_id", "name") if not self.present(_ALIASES[key])]
        if missing:
            wanted = "; ".join(f"one of {', '.join(_ALIASES[key])}" for key in missing)
            shown = ", ".join(repr(h) for h in header[:12]) + (", …" if len(header) > 12 else "")
            raise InvalidFile(SOURCE, f"missing required columns ({wanted}); the header has {shown}")
        self._resolved = {key: self.present(aliases) for key, aliases in _ALIASES.items()}
        self.scores = tuple(
            (kind, self.present(vectors), self.present(scores)) for kind, vectors, scores in _SCORE_COLUMNS
        )
        self.fields = tuple((label, names) for label, aliases in _FIELD_COLUMNS if (names := self.present(aliases)))
        self.unnamed = tuple(name for name in header if name.startswith(_UNNAMED))

    def present(self, aliases: tuple[str, ...]) -> tuple[str, ...]:
        """The file's header names for these aliases, in alias order."""
        return tuple(self._by_name[a] for a in aliases if a in self._by_name)

    def first(self, row: dict[str, str], key: str) -> str:
        return _first_of(row, self._resolved[key])

    def all(self, row: dict[str, str], key: str) -> list[str]:
        return [v for name in self._resolved[key] if (v := row.get(name, "").strip())]


def _first_of(row: dict[str, str], names: tuple[str, ...]) -> str:
    """The first non-blank value among ``names``, stripped; "" if none."""
    for name in names:
        value = row.get(name, "").strip()
        if value:
            return value
    return ""


def _finding(columns: _Columns, row: dict[str, str], number: int, host: str, port: Port | None) -> ScanFinding:
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


def _severity_of(columns: _Columns, row: dict[str, str]) -> Severity:
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


def _scores(columns: _Columns, row: dict[str, str]) -> tuple[Score, ...]:
    scores = []
    for kind, vector_names, score_names in columns.scores:
        vector, score = _first_of(row, vector_names), _first_of(row, score_names)
        if vector or score:
            scores.append(Score(kind=kind, vector=vector, score=score))
    return tuple(scores)


def _fields(columns: _Columns, row: dict[str, str], plugin_id: str) -> tuple[tuple[str, str], ...]:
    fields = [("Nessus Plugin ID", plugin_id)]
    fields += [(label, _first_of(row, names)) for label, names in columns.fields]
    fields += [(name, row.get(name, "").strip()) for name in columns.unnamed]
    risk_factor = columns.first(row, "risk_factor")
    if risk_factor:
        fields.append(("Risk Factor", risk_factor))
    return tuple((label, value) for label, value in fields if value.lower() not in _EMPTY_MARKERS)


def _port(columns: _Columns, row: dict[str, str]) -> Port | None:
    number = columns.first(row, "port")
    if number in ("", "0"):
        return None
    return Port(
        number=number,
        protocol=(columns.first(row, "protocol") or "tcp").lower(),
        service=columns.first(row, "service"),
    )


def _asset(columns: _Columns, row: dict[str, str], host: str, port: Port | None) -> ScanAsset:
    ips = [ip for cell in columns.all(row, "ip") for ip in _LIST_SPLIT_RE.split(cell)]
    if _is_ip(host):
        ips.insert(0, host)
    fqdn = columns.first(row, "fqdn")
    return ScanAsset(
        name=host,
        ips=_ids.unique(ip for ip in ips if _is_ip(ip)),
        hostname=columns.first(row, "hostname") or (fqdn.split(".", 1)[0] if fqdn and not _is_ip(fqdn) else ""),
        fqdn=fqdn,
        netbios=columns.first(row, "netbios"),
        mac=_text.clean(columns.first(row, "mac")).replace("\n", ", "),
        operating_system=_text.clean(columns.first(row, "os")).replace("\n", " / "),
        ports=(port,) if port is not None else (),
    )


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _norm(name: str) -> str:
    return " ".join(name.split()).lower()


def _read_header(stream: BinaryIO) -> tuple[list[str], BinaryIO]:
    """Read the header row, name its blank cells, and return it with a stream that replays the file.

    ``iter_rows`` drops columns whose header cell is blank, but Tenable.io UI exports leave the
    ``definition.description`` header blank (the column sits where that name sorts, between
    ``definition.cwe`` and ``definition.exploitability_ease``), and other exports carry unnamed
    columns. A blank cell in that Tenable.io position is named ``definition.description``; any
    other becomes ``Unnamed column N`` and is kept as a custom field when it has a value.
    """
    first = stream.readline(_MAX_HEADER_BYTES)
    if len(first) >= _MAX_HEADER_BYTES and not first.endswith(b"\n"):
        raise InvalidFile(SOURCE, f"the first line is longer than {_MAX_HEADER_BYTES} bytes, not a CSV header")
    try:
        line = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidFile(SOURCE, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if not line.strip():
        raise InvalidFile(SOURCE, "the CSV file has no header row")
    delimiter = sniff_delimiter(line.splitlines()[0])
    try:
        cells = next(csv.reader([line], delimiter=delimiter))
    except csv.Error as exc:
        raise InvalidFile(SOURCE, f"malformed CSV header ({exc})") from None
    header = [c.strip() for c in cells]
    if all(header):
        return header, replay(first, stream)
    lowered = [h.lower() for h in header]
    for index, name in enumerate(header):
        if not name:
            before = lowered[index - 1] if index > 0 else ""
            after = lowered[index + 1] if index + 1 < len(header) else "~"
            tenable_io_description = (
                "definition.id" in lowered
                and "definition.description" not in lowered
                and before.startswith("definition.")
                and before < "definition.description" < after
            )
            header[index] = "definition.description" if tenable_io_description else f"{_UNNAMED} {index + 1}"
            lowered[index] = header[index].lower()
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerow(header)
    return header, replay(out.getvalue().encode("utf-8"), stream)
