"""OpenVAS / Greenbone (GVM) reports: the XML report (GMP ``<report>`` export, also wrapped in
``<get_reports_response>``; read by ``xml``) and the "CSV Results" report of the same data
(``csv``). The sniffed head decides which: XML is read as XML even when its start is malformed.

Mapping (see docs/sources.md (openvas)): one finding per NVT OID; each ``<result>`` (or CSV row) is
one sighting on (host, port) whose result text is evidence. Following PlexTrac's published OpenVAS
mapping: title = ``nvt/name``; description = the ``summary``, ``impact``, ``insight``,
``affected`` and ``vuldetect`` keys of the ``nvt/tags`` "k=v|k=v" string; references = ``xref``
(not NOXREF), every ``cert_ref``, ``cve`` (not NOCVE) and ``bid`` (not NOBID), plus the newer
``refs/ref`` list; recommendations = ``nvt/solution`` or the ``solution`` tag. Severity is the
result's ``threat`` label (High/Medium/Low/Critical 1:1, Log/Debug -> Informational); when the
label is empty or unknown (e.g. "False Positive"), the numeric ``severity`` is rated like a CVSS
score. Assets are named by the result's host (the IP); ``report/host`` details add hostname, OS
and MAC.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import ClassVar

from scanlift.parsers._lib import csv as _csv
from scanlift.parsers.base import ScanRecord, Sniff, Upload
from scanlift.parsers.openvas.csv import CSV_REQUIRED, parse_csv
from scanlift.parsers.openvas.xml import ROOTS, parse_xml

#: Bytes that only a GMP/OMP report carries near its start (a bare <report> root is too common).
_XML_MARKERS = (b"<nvt ", b"<nvt>", b"<gmp>", b"<omp>", b"<scan_run_status>", b"<report_format")


class OpenVasParser:
    source: ClassVar[str] = "openvas"
    label: ClassVar[str] = "OpenVAS"

    def sniff(self, head: Sniff) -> bool:
        root = head.xml_root
        if root is not None:
            if root.name == "report":
                return "format_id" in root.attributes or any(m in head.head for m in _XML_MARKERS)
            return root.name in ROOTS
        header = _csv.header_of(head.head)
        return header is not None and set(CSV_REQUIRED) <= set(header)

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        if _is_xml(upload.head):
            yield from parse_xml(upload, self.source)
        else:
            yield from parse_csv(upload, self.source)


def _is_xml(head: Sniff) -> bool:
    """XML as sniffed, or a start only XML has: XML whose first bytes do not parse is then refused
    as malformed XML rather than as a CSV file without a header."""
    if head.kind == "xml" or head.encoding.startswith("utf-16"):
        return True
    return head.head.lstrip(codecs.BOM_UTF8).lstrip().startswith(b"<")
