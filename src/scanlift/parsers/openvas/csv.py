"""OpenVAS / Greenbone "CSV Results" report: one row per result, the same data as the XML."""

from __future__ import annotations

import codecs
from collections.abc import Iterator

from scanlift.parsers._lib import csv as _csv
from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import text as _text
from scanlift.parsers.base import Evidence, InvalidFile, Port, ScanFinding, ScanRecord, Upload
from scanlift.parsers.openvas.common import (
    DESCRIPTION_TAGS,
    Hosts,
    Refs,
    cert_reference,
    description_text,
    severity_of,
    split_list,
)

#: Columns every Greenbone "CSV Results" export has.
CSV_REQUIRED = ("IP", "NVT OID", "NVT Name")

_CSV_DESCRIPTION = tuple(label for _key, label in DESCRIPTION_TAGS)
_CSV_FIELDS = (
    ("NVT OID", "NVT OID"),
    ("Severity", "OpenVAS Threat"),
    ("CVSS", "OpenVAS Severity"),
    ("QoD", "QoD"),
    ("Solution Type", "Solution Type"),
    ("Max Severity EPSS score", "Max Severity EPSS Score"),
    ("Max Severity EPSS percentile", "Max Severity EPSS Percentile"),
)


def parse_csv(upload: Upload, source: str) -> Iterator[ScanRecord]:
    """Yield each row as a finding, then one asset per host; the header is checked from the head."""
    _check_header(upload.head.head, source)
    hosts = Hosts()
    for row in _csv.iter_rows(upload.stream, source=source):
        finding = _csv_finding(row)
        hosts.note(row.get("IP", "").strip(), row.get("Hostname", "").strip())
        yield finding
    yield from hosts.rest()


def _check_header(head: bytes, source: str) -> None:
    header = _csv.header_of(head)
    if header is None:
        start = head.lstrip(codecs.BOM_UTF8).lstrip()[:1].decode("ascii", errors="replace")
        raise InvalidFile(
            source,
            f"neither XML nor a CSV results file (the content starts with {start!r}; "
            f"expected a header with {', '.join(CSV_REQUIRED)})",
        )
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        shown = ", ".join(header[:8]) + (", …" if len(header) > 8 else "")
        raise InvalidFile(source, f"missing required columns: {', '.join(missing)} (the header is: {shown})")


def _csv_finding(row: dict[str, str]) -> ScanFinding:
    def cell(name: str) -> str:
        return _unescape_cell(row.get(name) or "").strip()

    oid, title = cell("NVT OID"), cell("NVT Name")
    title = title or f"OpenVAS NVT {oid}"
    port = None
    if cell("Port").isdigit():
        port = Port(number=cell("Port"), protocol=(cell("Port Protocol") or "tcp").lower())
    where = f"{cell('Port')}/{cell('Port Protocol')}" if port else "general"
    evidence = []
    result = _text.clean(_unescape_cell(row.get("Specific Result") or ""))
    if result:
        evidence.append(Evidence(caption=f"OpenVAS result ({where})", code=result))
    detection = _text.clean(_unescape_cell(row.get("Product Detection Result") or ""))
    if detection:
        evidence.append(Evidence(caption="Product detection result", code=detection))
    refs = Refs(
        urls=split_list(cell("Other References"), "NOXREF"),
        certs=[cert_reference(c, "") for c in split_list(cell("CERTs"), "NOCERT")],
        cves=split_list(cell("CVEs"), "NOCVE"),
        bids=split_list(cell("BIDs"), "NOBID"),
    )
    fields = [(label, cell(column)) for column, label in _CSV_FIELDS]
    return ScanFinding(
        flaw_id=oid or _ids.title_flaw_id(title),
        title=title,
        severity=severity_of(cell("Severity"), cell("CVSS")),
        description=description_text(_unescape_cell(row.get(label) or "") for label in _CSV_DESCRIPTION),
        recommendations=_text.clean(_unescape_cell(row.get("Solution") or "")),
        references=refs.references(),
        cves=_ids.find_cves(*refs.cves, oid, title),
        fields=tuple((label, value) for label, value in fields if value),
        asset=cell("IP") or None,
        port=port,
        evidence=tuple(evidence),
    )


def _unescape_cell(value: str) -> str:
    """Undo the quote Greenbone puts before a cell starting with - = + @ (spreadsheet-formula guard)."""
    if len(value) > 1 and value[0] == "'" and value[1] in "-=+@":
        return value[1:]
    return value
