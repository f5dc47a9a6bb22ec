"""The Invicti / Netsparker / Acunetix 360 vulnerability schema, shared by two parsers.

Invicti Enterprise (formerly Netsparker) and Acunetix 360 (Invicti's rebranded platform) export
the same JSON: ``{"Generated", "Target": {"Url", …}, "Vulnerabilities": [vulnerability…]}``.
``records`` streams it with ``_json.iter_items`` one vulnerability at a time and maps each with
``invicti.vulnerability``, as the Invicti XML reader does.

Which vendor wrote a file cannot be told from its keys. ``vendors_in`` looks for the vendor's
own marks in the first bytes (the ``X-Scanner`` request header, "<product> identified …" in a
description, links to the vendor's site); a file with no marks, such as an empty report, is
claimed by both parsers and auto-detection reports the ambiguity.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import BinaryIO, Literal

from scanlift.parsers._lib.json import iter_items, top_level_is_array, top_level_keys
from scanlift.parsers._lib.sniff import HEAD_BYTES
from scanlift.parsers.base import InvalidFile, ScanRecord
from scanlift.parsers.invicti.vulnerability import sighting

Vendor = Literal["acunetix", "invicti"]

TOP_KEYS = ("Generated", "Target", "Vulnerabilities")

#: Vendor marks, strongest first: the scanner's request header, its self-naming in descriptions,
#: then links to its knowledge base.
_MARKS: tuple[dict[Vendor, re.Pattern[bytes]], ...] = (
    {
        "acunetix": re.compile(rb"X-Scanner:\s*Acunetix", re.IGNORECASE),
        "invicti": re.compile(rb"X-Scanner:\s*(?:Netsparker|Invicti)", re.IGNORECASE),
    },
    {
        "acunetix": re.compile(rb"Acunetix\s?360\s+(?:identified|detected)", re.IGNORECASE),
        "invicti": re.compile(
            rb"(?:Netsparker|Invicti)(?:\s+(?:Enterprise|Standard|Cloud))?\s+(?:identified|detected)",
            re.IGNORECASE,
        ),
    },
    {
        "acunetix": re.compile(rb"acunetix\.com", re.IGNORECASE),
        "invicti": re.compile(rb"(?:netsparker|invicti)\.com", re.IGNORECASE),
    },
)


def looks_like(head: bytes) -> bool:
    """Whether the first bytes are this JSON schema (any of the three vendors)."""
    keys = top_level_keys(head)
    if not keys or "Vulnerabilities" not in keys:
        return False
    return bool(keys & {"Target", "Generated"}) or b'"Classification"' in head


def vendors_in(head: bytes) -> set[Vendor]:
    """The vendors whose marks appear in the head, from the strongest kind of mark found."""
    for marks in _MARKS:
        found: set[Vendor] = {vendor for vendor, pattern in marks.items() if pattern.search(head)}
        if found:
            return found
    return set()


def claims(head: bytes, vendor: Vendor) -> bool:
    """Sniff: this schema, and nothing marks it as the other vendor's file."""
    if not looks_like(head):
        return False
    found = vendors_in(head)
    return vendor in found or not found


def records(head: bytes, stream: BinaryIO, *, source: str) -> Iterator[ScanRecord]:
    """Stream the JSON export: a ScanAsset per new (host, port), then a ScanFinding per vulnerability."""
    _check_top_level(head, source)
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(iter_items(stream, "Vulnerabilities.item", source=source), start=1):
        if not isinstance(item, Mapping):
            raise InvalidFile(source, f"Vulnerabilities entry {index} is a {type(item).__name__}, not an object")
        yield from sighting(item, source=source, index=index, seen=seen)


def _check_top_level(head: bytes, source: str) -> None:
    keys = top_level_keys(head)
    if keys is None:
        if top_level_is_array(head):
            raise InvalidFile(source, "the top level is a JSON array; expected an object with Vulnerabilities")
        raise InvalidFile(source, "not a JSON object")
    if "Vulnerabilities" in keys:
        return
    whole = len(head) < HEAD_BYTES
    if whole or not keys & {"Target", "Generated"}:
        found = ", ".join(sorted(keys)) if keys else "none"
        expected = ", ".join(TOP_KEYS)
        raise InvalidFile(source, f"top-level keys are {found}; expected {expected}")
