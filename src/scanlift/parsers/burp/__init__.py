"""Burp Suite exports (source ``burp``): the Issues XML and three variants of the same tool.

The first bytes decide the variant, and the stream is then read once by that reader:

* ``<issues>`` XML (Burp Suite Professional "Report issues" / "Save selected issues"):
  ``burp_xml``. Any other XML root except a Dastardly one ends there with "root element is <x>,
  expected <issues>".
* ``<testsuites name="Dastardly scan results…">`` JUnit XML from Burp Dastardly: ``burp_dastardly``.
* JSON with ``issue_events`` (Burp REST API scan status) or ``Issues`` (Burp Enterprise GraphQL
  issues export): ``burp_json``.

Mapping common to every variant (see ``burp_common``): one sighting per issue instance; flaw_id =
the Burp issue type (``type`` / ``type_index``) except for extension-generated issues and variants
without a type, which use the title hash; severity = Burp's label 1:1 (Information ->
Informational); asset = origin host, with the IP Burp recorded and the port of the URL;
location_url = origin + path; vulnerable parameter = the bracketed part of the location;
description = issue background; recommendations = remediation background + detail; evidence =
issue detail + decoded request/response pairs; CWEs = every ``CWE-n`` of the classifications.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from scanlift.parsers._lib import csv as _csv
from scanlift.parsers._lib.json import top_level_is_array, top_level_keys
from scanlift.parsers._lib.sniff import looks_binary, xml_root
from scanlift.parsers.base import InvalidFile, ScanRecord, Sniff, Upload
from scanlift.parsers.burp import dastardly as burp_dastardly
from scanlift.parsers.burp import json as burp_json
from scanlift.parsers.burp import xml as burp_xml

SOURCE = "burp"


class BurpParser:
    source: ClassVar[str] = SOURCE
    label: ClassVar[str] = "Burp Suite XML"

    def sniff(self, head: Sniff) -> bool:
        root = xml_root(head.head)
        if root is not None:
            if root.name == burp_xml.ROOT:
                return "burpVersion" in root.attributes or b"<!ATTLIST issues burpVersion" in head.head
            return root.name in burp_dastardly.ROOTS and burp_dastardly.is_dastardly(root.attributes.get("name"))
        keys = top_level_keys(head.head)
        if not keys:
            return False
        return burp_json.is_api(keys) or burp_json.is_graphql(keys, head.head)

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        head = upload.head.head
        replayed = upload.stream
        text = _csv.strip_bom(head).lstrip()
        root = upload.head.xml_root
        if root is not None and root.name in burp_dastardly.ROOTS:
            yield from burp_dastardly.parse(replayed)
        elif root is not None or text.startswith(b"<"):
            yield from burp_xml.parse(replayed)
        elif text.startswith(b"{"):
            keys = top_level_keys(head) or set()
            if burp_json.is_api(keys):
                yield from burp_json.parse_api(replayed)
            elif burp_json.is_graphql(keys, head):
                yield from burp_json.parse_graphql(replayed)
            else:
                found = ", ".join(sorted(keys)) or "none"
                raise InvalidFile(
                    SOURCE,
                    f"JSON top-level keys are {found}; expected {burp_json.API_KEY} (Burp REST API) "
                    f"or {burp_json.GRAPHQL_KEY} (Burp Enterprise GraphQL)",
                )
        elif top_level_is_array(head):
            raise InvalidFile(SOURCE, "the file is a JSON array; expected a Burp <issues> XML or a Burp JSON object")
        else:
            what = "binary data" if looks_binary(head) else f"text starting {text[:30]!r}"
            raise InvalidFile(SOURCE, f"not XML or JSON ({what}); expected a Burp <issues> XML export")
