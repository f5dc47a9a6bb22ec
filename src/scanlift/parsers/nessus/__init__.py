"""Nessus (source ``nessus``): the Nessus v2 XML export (``xml``) and the Nessus / Tenable CSV
exports (``csv``), told apart by the sniffed head: an XML root means XML, a Nessus/Tenable CSV
header means CSV, and anything else is refused by the XML reader ("not XML", or a wrong root).

Both map the same way (see docs/sources.md): one finding per plugin id, one asset per host as the
scan names it, and one sighting per (host, port) with the plugin output as evidence.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from scanlift.parsers.base import ScanRecord, Sniff, Upload
from scanlift.parsers.nessus.csv import looks_like_nessus_csv, parse_nessus_csv
from scanlift.parsers.nessus.xml import ROOT, parse_nessus_xml


class NessusParser:
    source: ClassVar[str] = "nessus"
    label: ClassVar[str] = "Nessus"

    def sniff(self, head: Sniff) -> bool:
        return head.root_name == ROOT or looks_like_nessus_csv(head.head)

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        if upload.head.kind != "xml" and looks_like_nessus_csv(upload.head.head):
            return parse_nessus_csv(upload.stream)
        return parse_nessus_xml(upload)
