"""Invicti, formerly Netsparker: JSON export, Enterprise/Cloud XML and legacy ``<netsparker>`` XML.

PlexTrac's ``netsparker`` source is the same format and is aliased to this parser by the
registry. Mapping (see docs/sources.md (invicti)): one finding per vulnerability ``Type`` (e.g.
``WeakCiphersDetected``), the vendor's stable class name, else a title hash; one asset per
host of the vulnerability URLs; each vulnerability is one sighting on (host, port) at its URL,
with the vulnerable parameter, request/response, proofs and extra information as evidence.
Severity words map 1:1 (BestPractice and Information -> Informational, Important -> High).

JSON is streamed through ``invicti.json`` (schema shared with Acunetix 360), XML through
``invicti.xml`` with ``iter_elements``, one vulnerability at a time; both map each vulnerability
with ``invicti.vulnerability``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from scanlift.parsers._lib.webscan import records_by_kind
from scanlift.parsers.base import ScanRecord, Sniff, Upload
from scanlift.parsers.invicti import json as _invicti_json
from scanlift.parsers.invicti import xml as _invicti_xml


class InvictiParser:
    source: ClassVar[str] = "invicti"
    label: ClassVar[str] = "Invicti"

    def sniff(self, head: Sniff) -> bool:
        if head.kind == "json":
            return _invicti_json.claims(head.head, "invicti")
        return head.root_name in _invicti_xml.ROOTS

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        yield from records_by_kind(
            upload,
            self.source,
            xml=lambda whole: _invicti_xml.records(whole, source=self.source),
            json=lambda head, rest: _invicti_json.records(head, rest, source=self.source),
        )
