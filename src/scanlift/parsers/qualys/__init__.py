"""Qualys: VM and WAS XML reports and Qualys CSV exports, under PlexTrac's single ``qualys`` source.

PlexTrac "will decide which mapping to use based on the fields in the imported file", so
``parse`` looks at the first bytes and hands the stream to one mapping:

* ``<ASSET_DATA_REPORT>``, ``<SCAN>``, ``<HOST_LIST_VM_DETECTION_OUTPUT>`` -> ``qualys_vm``
  (VM scan report, WebGUI scan results, API host detection list);
* ``<WAS_SCAN_REPORT>``, ``<WAS_WEBAPP_REPORT>`` -> ``qualys_was``;
* a CSV whose header (possibly after Qualys's report preamble) has ``QID`` and ``Title`` /
  ``VULN TITLE`` columns -> ``qualys_csv`` (VM scan CSV, PCI/HackerGuardian CSV, VMDR Asset
  Vuln Datalist).

Every mapping: flaw_id = QID; severity = Qualys level 0/1 Informational, 2 Low, 3 Medium,
4 High, 5 Critical (PlexTrac's table), tag ``minimal`` at level 1; one sighting per detection on
its host and port (or URL), with the scanner's result as evidence. docs/sources.md (qualys) has
the field tables.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import ClassVar

from scanlift.parsers._lib.sniff import HEAD_BYTES
from scanlift.parsers._lib.xml import iter_elements
from scanlift.parsers.base import InvalidFile, ScanRecord, Sniff, Upload
from scanlift.parsers.qualys import common as _qualys
from scanlift.parsers.qualys import csv as qualys_csv
from scanlift.parsers.qualys import vm as qualys_vm
from scanlift.parsers.qualys import was as qualys_was

ROOTS = (*qualys_vm.ROOTS, *qualys_was.ROOTS)


class QualysParser:
    source: ClassVar[str] = _qualys.SOURCE
    label: ClassVar[str] = "Qualys"

    def sniff(self, head: Sniff) -> bool:
        root = head.xml_root
        if root is not None:
            if root.name == qualys_vm.SCAN:
                # <SCAN> is a generic name: require Qualys's scan reference or its DTD.
                return root.attributes.get("value", "").startswith("scan/") or b"qualys" in head.head[:4096].lower()
            return root.name in ROOTS
        return qualys_csv.looks_like(head.head)

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        sniffed = upload.head
        text_start = sniffed.head.removeprefix(codecs.BOM_UTF8).lstrip()[:1]
        if text_start != b"<" and not sniffed.encoding.startswith("utf-16"):
            yield from qualys_csv.parse(upload.stream)
            return
        root = sniffed.xml_root
        if root is None:
            # Not readable as XML: let the shared reader describe what is wrong with it.
            for _element in iter_elements(upload.stream, source=self.source, roots=ROOTS, tags=(), head=sniffed):
                pass
            raise InvalidFile(self.source, f"no XML root element in the first {HEAD_BYTES} bytes")
        if root.name in qualys_was.ROOTS:
            yield from qualys_was.parse(upload)
        elif root.name in qualys_vm.ROOTS:
            yield from qualys_vm.parse(upload)
        else:
            expected = " or ".join(f"<{r}>" for r in sorted(ROOTS))
            raise InvalidFile(self.source, f"root element is <{root.name}>, expected {expected}")
