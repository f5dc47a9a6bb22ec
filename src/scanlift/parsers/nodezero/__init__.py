"""Horizon3.ai NodeZero weaknesses CSV (PlexTrac source ids ``nodezero`` and ``horizon``).

Confidence: low. No public NodeZero CSV export shows its header. What is public is the GraphQL
``Weakness`` object (horizon3ai/h3-cli queries, the Cortex XSOAR NodeZero integration), and
h3-cli's documented CSV route (``h3 weaknesses-stream | jq -rsf filters/to_csv.jq``), which writes
one column per ``Weakness`` field name. This parser therefore reads exactly those field names and
guesses nothing else: a file without the columns ``vuln_id``, ``vuln_name``, ``severity`` and a
host column (``ip``, ``affected_asset_display_name`` or ``affected_asset_text``) is refused with
an ``InvalidFile`` listing what is missing.

Mapping (see docs/sources.md (nodezero)): one row = one weakness = one sighting. ``vuln_id`` (a CVE
or a Horizon3 id) is the finding type and ``flaw_id``; ``vuln_name`` the title; ``severity``
(CRITICAL/HIGH/MEDIUM/LOW/INFO) the severity, and an unknown word is refused rather than guessed.
The asset is named by ``ip``, else the display name. Type-level columns become custom fields;
every other non-empty column (uuid, score, proof, paths…) is kept verbatim as the sighting's
evidence.

Streaming: rows come one at a time from ``_csv.iter_rows``; only the set of asset names already
described is kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.csv import MAX_HEADER_BYTES, header_of, iter_rows
from scanlift.parsers.base import (
    Evidence,
    InvalidFile,
    ScanAsset,
    ScanFinding,
    ScanRecord,
    Sniff,
    Upload,
)

REQUIRED_COLUMNS = ("vuln_id", "vuln_name", "severity")
HOST_COLUMNS = ("ip", "affected_asset_display_name", "affected_asset_text")
_SEVERITY_WORDS = "CRITICAL, HIGH, MEDIUM, LOW, INFO"

#: Columns that describe the weakness type rather than one sighting: kept as custom fields.
_TYPE_FIELDS = (
    ("vuln_short_name", "NodeZero Short Name"),
    ("vuln_category", "NodeZero Category"),
    ("vuln_aliases", "NodeZero Aliases"),
    ("vuln_cisa_kev", "CISA KEV"),
    ("vuln_known_ransomware_campaign_use", "Known Ransomware Campaign Use"),
    ("base_severity", "NodeZero Base Severity"),
    ("base_score", "NodeZero Base Score"),
    ("mitre_mappings", "MITRE ATT&CK Mappings"),
)
_MAPPED = frozenset({*REQUIRED_COLUMNS, "ip", "affected_asset_display_name", *(c for c, _ in _TYPE_FIELDS)})


class NodeZeroParser:
    source: ClassVar[str] = "nodezero"
    label: ClassVar[str] = "NodeZero"

    def sniff(self, head: Sniff) -> bool:
        header = header_of(head.head)
        return header is not None and not _missing(header)

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        stream = upload.stream
        first_line = stream.readline(MAX_HEADER_BYTES)
        if len(first_line) >= MAX_HEADER_BYTES and not first_line.endswith(b"\n"):
            raise InvalidFile(self.source, f"the header line is longer than {MAX_HEADER_BYTES} bytes")
        header = header_of(first_line)
        if header is not None:
            missing = _missing(header)
            if missing:
                raise InvalidFile(
                    self.source,
                    f"missing required columns: {', '.join(missing)} (the header is {', '.join(header)})",
                )
        described: set[str] = set()
        for number, row in enumerate(iter_rows(stream, source=self.source, header_line=first_line), start=1):
            finding = _finding(row, number, self.source)
            if finding.asset and finding.asset not in described:
                described.add(finding.asset)
                yield _asset(row, finding.asset)
            yield finding


def _missing(header: list[str]) -> list[str]:
    columns = set(header)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if not columns & set(HOST_COLUMNS):
        missing.append(f"one of {' / '.join(HOST_COLUMNS)}")
    return missing


def _cell(row: dict[str, str], column: str) -> str:
    return _text.clean(row.get(column, ""))


def _finding(row: dict[str, str], number: int, source: str) -> ScanFinding:
    vuln_id = _cell(row, "vuln_id")
    if not vuln_id:
        raise InvalidFile(source, f"data row {number} has an empty vuln_id")
    title = _cell(row, "vuln_name") or _cell(row, "vuln_short_name") or vuln_id
    raw_severity = _cell(row, "severity")
    severity = _severity.from_label(raw_severity)
    if severity is None:
        raise InvalidFile(source, f"data row {number} has severity {raw_severity!r}, expected one of {_SEVERITY_WORDS}")
    asset = _cell(row, "ip") or _cell(row, "affected_asset_display_name") or _cell(row, "affected_asset_text")
    fields = [("NodeZero Vulnerability ID", vuln_id)]
    fields += [(label, _cell(row, column)) for column, label in _TYPE_FIELDS]
    instance = [(column, value) for column, value in row.items() if column not in _MAPPED and value.strip()]
    evidence: tuple[Evidence, ...] = ()
    if instance:
        uuid = _cell(row, "uuid")
        caption = f"NodeZero weakness {uuid}".rstrip() + (f" on {asset}" if asset else "")
        evidence = (Evidence(caption=caption, code="\n".join(f"{c}: {v}" for c, v in instance)),)
    return ScanFinding(
        flaw_id=vuln_id,
        title=title,
        severity=severity,
        cves=_ids.find_cves(vuln_id, _cell(row, "vuln_aliases"), title, _cell(row, "vuln_short_name")),
        fields=tuple((label, value) for label, value in fields if value),
        asset=asset or None,
        evidence=evidence,
    )


def _asset(row: dict[str, str], name: str) -> ScanAsset:
    ip = _cell(row, "ip")
    display = _cell(row, "affected_asset_display_name")
    display_is_ip = bool(display) and (display.replace(".", "").isdigit() or ":" in display)
    fqdn = display if display and not display_is_ip and "." in display else ""
    return ScanAsset(
        name=name,
        ips=_ids.unique([ip, display if display_is_ip else ""]),
        hostname=fqdn.split(".", 1)[0] if fqdn else ("" if display_is_ip else display),
        fqdn=fqdn,
    )
