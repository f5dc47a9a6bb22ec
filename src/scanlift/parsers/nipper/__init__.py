"""Titania Nipper Studio XML report.

Mapping (see docs/sources.md (nipper)): Nipper writes a generic "document" (parts, sections, text,
tables), so findings are found by position. Every ``section`` directly under
``part[@ref='SECURITYAUDIT']`` except the summary sections is one finding whose identity is the
section's dotted check id (``@ref``, e.g. ``ROUTING.BGP.FLAP``); every section under
``part[@ref='VULNAUDIT']`` titled ``CVE-…`` is one finding identified by that CVE. Each affected
device (``issuedetails/devices/device``, else the "Affected Device(s)" sub-section) is one
sighting; devices are assets named as Nipper names them. Severity is Nipper's own rating word
(``issuedetails/ratings/rating``, or the ``Overall Rating:`` infobox title of a CVE section),
never derived from the CVSS score, which Nipper itself does not follow. Tables in the "Finding"
sub-section are evidence.

Streaming: only ``information`` and ``section`` elements are taken from ``iter_elements``, and the
table of contents (``contents``/``content``, one entry per section) is freed as it is read. A nested section is
finished (and freed) before its parent, and freeing it also drops the parent's earlier children,
so each finished section is turned into small plain records at once and handed up to its parent
through a per-depth buffer. Memory is bounded by one top-level section.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from lxml import etree

from scanlift.parsers._lib.xml import iter_elements, local_name
from scanlift.parsers.base import InvalidFile, ScanRecord, Sniff, Upload
from scanlift.parsers.nipper.document import Device, Item, flatten, information_devices, own_items
from scanlift.parsers.nipper.findings import SECURITY_AUDIT, VULNERABILITY_AUDIT, device_asset, section_records

ROOT = "document"
VERSION_ATTRIBUTE = "nipperstudio"


class NipperParser:
    source: ClassVar[str] = "nipper"
    label: ClassVar[str] = "Nipper"

    def sniff(self, head: Sniff) -> bool:
        root = head.xml_root
        return root is not None and root.name == ROOT and VERSION_ATTRIBUTE in root.attributes

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        known: dict[str, Device] = {}
        buffers: dict[int, list[Item]] = {}
        checked = False
        for element in iter_elements(
            upload.stream,
            source=self.source,
            roots=(ROOT,),
            tags=("information", "section"),
            discard=("contents", "content"),
            head=upload.head,
        ):
            if not checked:
                _check_version(element, self.source)
                checked = True
            if local_name(str(element.tag)) == "information":
                for device in information_devices(element):
                    if device.name not in known:
                        known[device.name] = device
                        yield device_asset(device)
                continue
            part, depth = _part_and_depth(element)
            if part not in (SECURITY_AUDIT, VULNERABILITY_AUDIT):
                buffers.clear()
                continue
            parent = element.getparent()
            items = buffers.pop(depth, []) + own_items(element)
            if parent is not None and local_name(str(parent.tag)) == "section":
                # A sub-section: hand it up, with the parent's earlier children that freeing
                # this element is about to drop.
                into = buffers.setdefault(depth - 1, [])
                into.extend(own_items(parent, before=element))
                into.append(flatten(element, items))
                continue
            buffers.clear()
            yield from section_records(element, part, items, known)


def _check_version(element: etree._Element, source: str) -> None:
    root = element.getroottree().getroot()
    if root.get(VERSION_ATTRIBUTE) is None:
        raise InvalidFile(
            source,
            f"root <{ROOT}> has no {VERSION_ATTRIBUTE} attribute, so it is not a Nipper Studio report",
        )


def _part_and_depth(section: etree._Element) -> tuple[str, int]:
    part = ""
    depth = 0
    for ancestor in section.iterancestors():
        depth += 1
        if not part and local_name(str(ancestor.tag)) == "part":
            part = ancestor.get("ref") or ""
    return part, depth
