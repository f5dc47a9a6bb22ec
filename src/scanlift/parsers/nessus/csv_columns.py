"""Which column of a Nessus / Tenable CSV means what: the header aliases of every dialect, and
the header row itself, read from the stream with its blank cells named.

Header names match case-insensitively and blank-insensitively (``norm``). The tables list, for
each canonical column, the names the five dialects use for it, most specific first.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import BinaryIO

from scanlift.parsers._lib.csv import MAX_HEADER_BYTES, sniff_delimiter
from scanlift.parsers.base import InvalidFile

SOURCE = "nessus"

#: Canonical column -> header aliases (lower case), most specific first.
ALIASES: Mapping[str, tuple[str, ...]] = {
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

#: (score kind, vector aliases, score aliases), most recent CVSS version first, as in nessus/xml.py.
SCORE_COLUMNS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
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

#: Plugin-level columns kept as custom fields: (label, header aliases). Labels match nessus/xml.py's.
FIELD_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
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


UNNAMED = "Unnamed column"


class Columns:
    """The header of one file, resolved against the alias tables once."""

    def __init__(self, header: list[str]) -> None:
        self._by_name: dict[str, str] = {}
        for name in header:
            self._by_name.setdefault(norm(name), name)
        missing = [key for key in ("plugin_id", "name") if not self.present(ALIASES[key])]
        if missing:
            wanted = "; ".join(f"one of {', '.join(ALIASES[key])}" for key in missing)
            shown = ", ".join(repr(h) for h in header[:12]) + (", …" if len(header) > 12 else "")
            raise InvalidFile(SOURCE, f"missing required columns ({wanted}); the header has {shown}")
        self._resolved = {key: self.present(aliases) for key, aliases in ALIASES.items()}
        self.scores = tuple(
            (kind, self.present(vectors), self.present(scores)) for kind, vectors, scores in SCORE_COLUMNS
        )
        self.fields = tuple((label, names) for label, aliases in FIELD_COLUMNS if (names := self.present(aliases)))
        self.unnamed = tuple(name for name in header if name.startswith(UNNAMED))

    def present(self, aliases: tuple[str, ...]) -> tuple[str, ...]:
        """The file's header names for these aliases, in alias order."""
        return tuple(self._by_name[a] for a in aliases if a in self._by_name)

    def first(self, row: dict[str, str], key: str) -> str:
        return first_of(row, self._resolved[key])

    def all(self, row: dict[str, str], key: str) -> list[str]:
        return [v for name in self._resolved[key] if (v := row.get(name, "").strip())]


def first_of(row: dict[str, str], names: tuple[str, ...]) -> str:
    """The first non-blank value among ``names``, stripped; "" if none."""
    for name in names:
        value = row.get(name, "").strip()
        if value:
            return value
    return ""


def norm(name: str) -> str:
    return " ".join(name.split()).lower()


def take_header_row(stream: BinaryIO) -> tuple[list[str], bytes]:
    """Read the header row off ``stream`` and name its blank cells: the names, and the row as
    ``iter_rows`` is to read it (``header_line``) while ``stream`` goes on with the first data row.

    ``iter_rows`` drops columns whose header cell is blank, but Tenable.io UI exports leave the
    ``definition.description`` header blank (the column sits where that name sorts, between
    ``definition.cwe`` and ``definition.exploitability_ease``), and other exports carry unnamed
    columns. A blank cell in that Tenable.io position is named ``definition.description``; any
    other becomes ``Unnamed column N`` and is kept as a custom field when it has a value.
    """
    first = stream.readline(MAX_HEADER_BYTES)
    if len(first) >= MAX_HEADER_BYTES and not first.endswith(b"\n"):
        raise InvalidFile(SOURCE, f"the first line is longer than {MAX_HEADER_BYTES} bytes, not a CSV header")
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
        return header, first
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
            header[index] = "definition.description" if tenable_io_description else f"{UNNAMED} {index + 1}"
            lowered[index] = header[index].lower()
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerow(header)
    return header, out.getvalue().encode("utf-8")
