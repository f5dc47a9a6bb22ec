"""Nodeware JSON findings.

Confidence: low. The only public description is PlexTrac's Nodeware import page: JSON, ``title``
→ Title, ``severity`` → Severity, and the finding ID "(added on import)", i.e. PlexTrac's title
hash. The layout around those keys is not public. This parser reads strictly that: the file must
be a JSON array of finding objects, each with a non-empty ``title`` and a ``severity`` word
(Critical, High, Medium, Low, Informational/Info). Anything else (an object wrapper, a missing
key, an unknown severity word) ends in an ``InvalidFile`` naming what was found, so a real export
that differs is reported instead of half-read.

Mapping (see docs/sources.md (nodeware)): one item = one finding sighting with no asset (no asset
keys are documented); ``flaw_id`` = ``title_flaw_id(title)``; every other key of the item is kept
verbatim as a custom field, and every CVE id anywhere in the item is collected.

Detection: ``sniff`` never claims a file, because objects with ``title`` and ``severity`` are too
generic to tell Nodeware from other tools; the user must pick the ``nodeware`` source.

Streaming: one array item at a time through ``_json.iter_items``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.json import iter_items, top_level_is_array, top_level_keys, value_text
from scanlift.parsers.base import InvalidFile, ScanFinding, ScanRecord, Sniff, Upload

REQUIRED_KEYS = ("title", "severity")
_LEVELS = "Critical, High, Medium, Low, Informational"
_EXPECTED = "a JSON array of finding objects with title and severity (PlexTrac's published Nodeware mapping)"


class NodewareParser:
    source: ClassVar[str] = "nodeware"
    label: ClassVar[str] = "Nodeware"

    def sniff(self, head: Sniff) -> bool:
        return False

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        head = upload.head.head
        if not top_level_is_array(head):
            raise InvalidFile(self.source, f"{_describe_top_level(head)}, expected {_EXPECTED}")
        for index, item in enumerate(iter_items(upload.stream, "item", source=self.source), start=1):
            yield _finding(item, index, self.source)


def _describe_top_level(head: bytes) -> str:
    keys = top_level_keys(head)
    if keys is not None:
        return f"the top level is a JSON object with keys {', '.join(sorted(keys)) or '(none)'}"
    return "the file is not JSON"


def _finding(item: Any, index: int, source: str) -> ScanFinding:
    if not isinstance(item, dict):
        raise InvalidFile(source, f"item {index} is a {type(item).__name__}, expected an object")
    missing = [key for key in REQUIRED_KEYS if key not in item]
    if missing:
        keys = ", ".join(sorted(item)) or "none"
        raise InvalidFile(source, f"item {index} is missing required key(s) {', '.join(missing)} (its keys are {keys})")
    title = _text.clean(str(item["title"] or ""))
    if not title:
        raise InvalidFile(source, f"item {index} has an empty title")
    raw = item["severity"]
    severity = _severity.from_label(raw) if isinstance(raw, str) else None
    if severity is None:
        raise InvalidFile(source, f"item {index} has severity {raw!r}, expected one of {_LEVELS}")
    fields = tuple(
        (str(key), value_text(value))
        for key, value in item.items()
        if key not in REQUIRED_KEYS and value not in (None, "", [], {})
    )
    return ScanFinding(
        flaw_id=_ids.title_flaw_id(title),
        title=title,
        severity=severity,
        cves=_ids.find_cves(title, *(value for _, value in fields)),
        fields=fields,
    )
