"""Burp Suite exports (source ``burp``): the Issues XML and three variants of the same tool.

The first bytes decide the variant, and the stream is then read once by that reader:

* ``<issues>`` XML (Burp Suite Professional "Report issues" / "Save selected issues"):
  ``burp_xml``. Any other XML root except a Dastardly one ends there with "root element is <x>,
  expected <issues>".
* ``<testsuites name="Dastardly scan results…">`` JUnit XML from Burp Dastardly: ``burp_dastardly``.
* JSON with ``issue_events`` (Burp REST API scan status) or ``Issues`` (Burp Enterprise GraphQL
  issues export): ``burp_json``.

Mapping common to every variant (see ``burp.common``): one sighting per issue instance; flaw_id =
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
from scanlift.parsers._lib.json import top_level_keys
from scanlift.parsers.base import InvalidFile, ScanRecord, Sniff, Upload
from scanlift.parsers.burp import dastardly as burp_dastardly
from scanlift.parsers.burp import json as burp_json
from scanlift.parsers.burp import xml as burp_xml

SOURCE = "burp"


class BurpParser:
    source: ClassVar[str] = SOURCE
    label: ClassVar[str] = "Burp Suite XML"

    def sniff(self, head: Sniff) -> bool:
        root = head.xml_root
        if root is not None:
            if root.name == burp_xml.ROOT:
                return "burpVersion" in root.attributes or b"<!ATTLIST issues burpVersion" in head.head
            return root.name in burp_dastardly.ROOTS and burp_dastardly.is_dastardly(root.attributes.get("name"))
        keys = top_level_keys(head.head)
        if not keys:
            return False
        return burp_json.is_api(keys) or burp_json.is_graphql(keys, head.head)

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        sniffed = upload.head
        text = _csv.strip_bom(sniffed.head).lstrip()
        if sniffed.root_name in burp_dastardly.ROOTS:
            yield from burp_dastardly.parse(upload)
        elif sniffed.kind == "xml" or text.startswith(b"<"):  # not XML the sniff could read: say why
            yield from burp_xml.parse(upload)
        elif sniffed.kind == "json":
            yield from _parse_json(upload)
        else:
            raise InvalidFile(
                SOURCE, f"not XML or JSON (text starting {text[:30]!r}); expected a Burp <issues> XML export"
            )


def _parse_json(upload: Upload) -> Iterator[ScanRecord]:
    keys = top_level_keys(upload.head.head)
    if keys is None:
        raise InvalidFile(SOURCE, "the file is a JSON array; expected a Burp <issues> XML or a Burp JSON object")
    if burp_json.is_api(keys):
        yield from burp_json.parse_api(upload.stream)
    elif burp_json.is_graphql(keys, upload.head.head):
        yield from burp_json.parse_graphql(upload.stream)
    else:
        found = ", ".join(sorted(keys)) or "none"
        raise InvalidFile(
            SOURCE,
            f"JSON top-level keys are {found}; expected {burp_json.API_KEY} (Burp REST API) "
            f"or {burp_json.GRAPHQL_KEY} (Burp Enterprise GraphQL)",
        )
