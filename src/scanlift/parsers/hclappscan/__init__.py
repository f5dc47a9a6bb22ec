"""HCL (formerly IBM) AppScan XML reports: ``<xml-report>``.

One parser covers the three exports that share this root (see docs/sources.md (hclappscan)):

* AppScan Standard DAST (``xmlExportVersion`` 2.x, including the older IBM 2.42 export): each
  ``issue-group/item`` points by id into small lookup tables (``issue-type-group``,
  ``advisory-group``, ``fix-recommendation-group``, ``remediation-group``, ``url-group``,
  ``entity-group``, ``cause-group``, ``security-risk-group``, ``threat-class-group``…).
* AppScan on Cloud (ASoC, ``AsocXmlExportVersion``) DAST: the same items with the location inline
  (``location``, ``host``, ``port``, ``element``) and the advisory text in ``article-group``.
* ASoC SAST: items with ``source-file``/``line`` and a call trace.

Mapping: ``flaw_id`` is the AppScan issue type id (``attCrossSiteScripting``,
``AccessControl.Bypass``); title is the issue type name; severity is the item's own
Informational/Low/Medium/High/Critical label (``severity-id`` 0-4 when the label is missing).
Description and recommendations come from the issue type's advisory (or ASoC article) and fix
recommendation; every CWE/CVE of the item, its issue type and advisory is kept, with the item's
CVSS vector and score. The asset is the host of the issue URL (DAST) or the ASoC application
(SAST, else the source file); ``location_url`` is the URL or ``file:line``; the vulnerable
parameter is the item's entity or element when AppScan types it as a parameter, plus the
parameters named in the test ``differences``. Evidence per variant: the test HTTP
request/response verbatim, AppScan's reasoning, parameter differences, or the SAST call trace.

Streaming: lookup groups are small (bounded by issue types and URLs) and are kept as
dictionaries. Some exports write groups *after* ``issue-group`` (AppScan Standard writes the
advisory, cause and remediation groups last; ASoC writes ``article-group`` last), so an item
whose references cannot all be resolved yet is reduced to a JSON line in a temporary file and
resolved once the document ends. Items nest other ``<item>`` elements (variants, differences,
fixes); the shared iterator frees every completed ``<item>``, so a nested one is swapped for a
detached copy of itself before it is freed, and its top-level item still sees it whole.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import ClassVar

from scanlift.parsers._lib.spool import Spool
from scanlift.parsers._lib.xml import iter_elements, local_name
from scanlift.parsers.base import (
    InvalidFile,
    Port,
    ScanRecord,
    Sniff,
    Upload,
)
from scanlift.parsers.hclappscan.issues import asset_record, sighting
from scanlift.parsers.hclappscan.knowledge import Groups
from scanlift.parsers.hclappscan.raw_issues import raw_issue

ROOT = "xml-report"
SOURCE = "hclappscan"

#: Root attributes that mark an AppScan export (Standard, IBM legacy and ASoC).
_VERSION_ATTRIBUTES = ("xmlExportVersion", "AsocXmlExportVersion")


class HclAppScanParser:
    source: ClassVar[str] = SOURCE
    label: ClassVar[str] = "HCL AppScan"

    def sniff(self, head: Sniff) -> bool:
        root = head.xml_root
        if root is None or root.name != ROOT:
            return False
        return any(a in root.attributes for a in _VERSION_ATTRIBUTES) or "AppScan" in root.attributes.get("name", "")

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        if upload.head.kind == "json":  # name a JSON upload plainly, not as malformed XML
            raise InvalidFile(SOURCE, "found a JSON document, expected an AppScan XML report (<xml-report>)")
        stream = upload.stream
        groups = Groups()
        #: Asset name -> its ports (web hosts) or None (application / source file of SAST issues).
        assets: dict[str, dict[str, Port] | None] = {}
        with Spool.of_json() as waiting:  # issues that name groups the file defines later
            for element in iter_elements(
                stream, source=SOURCE, roots=(ROOT,), tags=("item", "application-name"), head=upload.head
            ):
                parent = element.getparent()
                if parent is None:
                    continue
                if local_name(str(element.tag)) == "application-name":
                    if local_name(str(parent.tag)) == "layout":
                        groups.application = (element.text or "").strip()
                    continue
                group = local_name(str(parent.tag))
                grand = parent.getparent()
                if grand is None:
                    continue
                if grand.getparent() is not None:
                    # A nested <item> (variant, difference, fix…): keep a copy in the tree, because
                    # the iterator frees the element itself as soon as this loop body returns.
                    parent.replace(element, copy.deepcopy(element))
                elif group == "issue-group":
                    raw = raw_issue(element)
                    if groups.resolves(raw):
                        yield sighting(raw, groups, assets)
                    else:
                        waiting.append(raw)
                else:
                    groups.add(group, element)
            for raw in waiting:
                yield sighting(raw, groups, assets)
        for name, ports in assets.items():
            yield asset_record(name, ports)
