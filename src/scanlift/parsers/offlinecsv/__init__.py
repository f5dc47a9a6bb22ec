"""PlexTrac's CSV findings template (source ``offlinecsv``; the UI calls it "CSV").

Columns (api-notes §3.8, integration-mappings §4): ``title, severity, status, description,
recommendations, references, affected_assets, tags, cvss_temporal, cwe, cve, category``. Title,
description and severity are required; severity is one of Informational/Low/Medium/High/Critical
in any case, and an empty cell means Informational. Status is Open, Closed or In Process (empty
means Open). Multi-value cells (affected_assets, tags, cwe, cve) are comma-separated. Any other
column becomes a custom field labelled with its header.

Mapping (see docs/sources.md (offlinecsv)): each row is one finding whose id is PlexTrac's title
hash; it is yielded once per affected asset name (one sighting each), or once with no asset.
Status has no place on ``ScanFinding``, so it travels as the custom field ("status", value).
Header names match case-insensitively, and a space or hyphen matches an underscore; column order
is not enforced. An empty title or description, or a bad severity, status, CWE or CVE value, is
an error naming the row ("data row N": the Nth non-blank row after the header) and its title.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import ClassVar

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.csv import header_of, iter_rows
from scanlift.parsers.base import InvalidFile, ScanFinding, ScanRecord, Severity, Sniff, Upload

TEMPLATE_COLUMNS = (
    "title",
    "severity",
    "status",
    "description",
    "recommendations",
    "references",
    "affected_assets",
    "tags",
    "cvss_temporal",
    "cwe",
    "cve",
    "category",
)
REQUIRED_COLUMNS = ("title", "severity", "description")
#: Columns only PlexTrac's template has; sniffing wants one of them beside the required three.
_DISTINCTIVE_COLUMNS = frozenset({"recommendations", "affected_assets", "cvss_temporal"})

_STATUSES: Mapping[str, str] = {"open": "Open", "closed": "Closed", "in process": "In Process"}
_CVE_RE = re.compile(r"CVE-\d{4}-\d{4,}", re.IGNORECASE)
_REFERENCE_SPLIT_RE = re.compile(r"\s*\n\s*|,\s+(?=[a-z][a-z0-9+.-]*://)", re.IGNORECASE)


class OfflineCsvParser:
    source: ClassVar[str] = "offlinecsv"
    label: ClassVar[str] = "CSV"

    def sniff(self, head: Sniff) -> bool:
        header = header_of(head.head)
        if header is None:
            return False
        names = {_norm(h) for h in header}
        return set(REQUIRED_COLUMNS) <= names and bool(names & _DISTINCTIVE_COLUMNS)

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        stream = upload.stream
        columns: _Columns | None = None
        for row_number, row in enumerate(iter_rows(stream, source=self.source), start=1):
            if columns is None:
                columns = _Columns(row.keys())
            yield from _sightings(columns, row, row_number)


class _Columns:
    """The file's header resolved once: template column -> header name, plus the extra columns."""

    def __init__(self, header: Iterable[str]) -> None:
        names = list(header)
        self._by_column: dict[str, str] = {}
        for name in names:
            self._by_column.setdefault(_norm(name), name)
        missing = [c for c in REQUIRED_COLUMNS if c not in self._by_column]
        if missing:
            shown = ", ".join(repr(n) for n in names[:12]) + (", …" if len(names) > 12 else "")
            raise InvalidFile(
                OfflineCsvParser.source,
                f"missing required columns: {', '.join(missing)}; the header has {shown}",
            )
        template = set(TEMPLATE_COLUMNS)
        self.extra = tuple(n for n in names if _norm(n) not in template)

    def get(self, row: dict[str, str], column: str) -> str:
        name = self._by_column.get(column)
        return row.get(name, "").strip() if name is not None else ""


def _sightings(columns: _Columns, row: dict[str, str], row_number: int) -> Iterator[ScanFinding]:
    title = columns.get(row, "title")
    if not title:
        raise InvalidFile(OfflineCsvParser.source, f"data row {row_number}: the title is empty (title is required)")
    where = f"data row {row_number} ({title!r})"
    description = _text.clean(columns.get(row, "description"))
    if not description:
        raise InvalidFile(OfflineCsvParser.source, f"{where}: the description is empty (description is required)")
    fields = [("status", _status(columns.get(row, "status"), where))]
    fields += [
        (label, value)
        for label, value in (
            ("CVSS Temporal", columns.get(row, "cvss_temporal")),
            ("Category", columns.get(row, "category")),
        )
        if value
    ]
    fields += [(name, value) for name in columns.extra if (value := row.get(name, "").strip())]
    finding = ScanFinding(
        flaw_id=_ids.title_flaw_id(title),
        title=title,
        severity=_severity_level(columns.get(row, "severity"), where),
        description=description,
        recommendations=_text.clean(columns.get(row, "recommendations")),
        references=_ids.unique(_REFERENCE_SPLIT_RE.split(columns.get(row, "references"))),
        cves=_cves(columns.get(row, "cve"), where),
        cwes=_cwes(columns.get(row, "cwe"), where),
        tags=_split(columns.get(row, "tags")),
        fields=tuple(fields),
    )
    assets = _split(columns.get(row, "affected_assets"))
    if not assets:
        yield finding
        return
    for asset in assets:
        yield dataclasses.replace(finding, asset=asset)


def _severity_level(value: str, where: str) -> Severity:
    if not value:
        return Severity.INFORMATIONAL
    level = _severity.from_scale(value.lower(), _severity.PLEXTRAC_NAMES)
    if level is None:
        allowed = ", ".join(level.value for level in Severity)
        raise InvalidFile(OfflineCsvParser.source, f"{where}: severity {value!r} is not one of {allowed}")
    return level


def _status(value: str, where: str) -> str:
    if not value:
        return "Open"
    status = _STATUSES.get(" ".join(value.split()).lower())
    if status is None:
        allowed = ", ".join(_STATUSES.values())
        raise InvalidFile(OfflineCsvParser.source, f"{where}: status {value!r} is not one of {allowed}")
    return status


def _cves(cell: str, where: str) -> tuple[str, ...]:
    cves = []
    for value in _split(cell):
        if not _CVE_RE.fullmatch(value):
            raise InvalidFile(OfflineCsvParser.source, f"{where}: cve {value!r} is not a CVE id like CVE-2021-44228")
        cves.append(value.upper())
    return _ids.unique(cves)


def _cwes(cell: str, where: str) -> tuple[int, ...]:
    cwes = []
    for value in _split(cell):
        cwe = _ids.parse_cwe(value)
        if cwe is None:
            raise InvalidFile(OfflineCsvParser.source, f"{where}: cwe {value!r} is not a CWE number like 79 or CWE-79")
        cwes.append(cwe)
    return tuple(dict.fromkeys(cwes))


def _split(cell: str) -> tuple[str, ...]:
    """A comma-separated cell (line breaks count as separators too), blanks and repeats dropped."""
    return _ids.unique(re.split(r"[,\n]", cell))


def _norm(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())
