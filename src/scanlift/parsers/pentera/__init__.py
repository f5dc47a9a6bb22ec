"""Pentera JSON export (``{"meta": {}, "hosts": [...], "vulnerabilities": [...], "Achievement": [...]}``).

Mapping (see docs/sources.md (pentera)): each ``hosts`` item is an asset named by its ``ip`` (else
hostname, FQDN, id) with its open ``services`` as ports. Each ``vulnerabilities`` item is one
sighting on the host its ``target_id`` points to (else the host named in ``found_on``). Pentera
has no stable type id (``id`` is per item), so the finding type is the ``name`` without its
trailing ``(CVE-…)`` suffix and ``flaw_id`` is PlexTrac's title hash of it. ``summary`` is the
description, ``remediation`` the recommendation, ``insight`` the evidence. Severity is the item's
0-10 ``severity`` bucketed with Pentera's own ranges: 0 Informational, (0, 2.5) Low, [2.5, 5) Medium,
[5, 7.5) High, [7.5, 10] Critical.

Streaming: ``hosts`` may come after ``vulnerabilities``, and a vulnerability needs its host, so
the file is read once and each vulnerability is parked in the shared deferred-join spool
(``_lib/spool.py``, on disk past a bound) until the end of the file; then the vulnerabilities are
read back in file order, after every host. When the head does not show both keys, hosts wait in
a spool too until both are known to be there, so that a missing key is the error reported, before
any record. Memory holds one item at a time plus a small id -> host name map. The mapping itself
is in ``mapping``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from scanlift.parsers._lib.json import build_value, json_events, top_level_is_array, top_level_keys
from scanlift.parsers._lib.sniff import HEAD_BYTES
from scanlift.parsers._lib.spool import Spool
from scanlift.parsers.base import InvalidFile, ScanAsset, ScanRecord, Sniff, Upload
from scanlift.parsers.pentera.mapping import Host, finding, host, kind_of

REQUIRED_KEYS = ("hosts", "vulnerabilities")
#: Keys found only in Pentera items, used to tell its files apart from other tools' JSON.
_SNIFF_TOKENS = (b'"found_on"', b'"target_id"', b'"task_run_id"')
#: ijson events that end a value or name a key rather than start a value.
_NOT_A_VALUE = frozenset({"map_key", "end_map", "end_array"})


class PenteraParser:
    source: ClassVar[str] = "pentera"
    label: ClassVar[str] = "Pentera"

    def sniff(self, head: Sniff) -> bool:
        keys = top_level_keys(head.head)
        if not keys or not keys & set(REQUIRED_KEYS):
            return False
        if set(REQUIRED_KEYS) <= keys and keys & {"meta", "Achievement"}:
            return True
        return any(token in head.head for token in _SNIFF_TOKENS)

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        keys = _Keys(upload.head.head, self.source)
        hosts = _Hosts(self.source)
        events = json_events(upload.stream, source=self.source)
        # Hosts wait until both keys are known to be there (the missing-key error comes first);
        # vulnerabilities wait until every host is known.
        with Spool.of_json() as early_hosts, Spool.of_json() as vulnerabilities:
            for prefix, event, value in events:
                if prefix in keys.unseen and keys.seen(prefix, event):
                    yield from hosts.assets(early_hosts)
                if event in _NOT_A_VALUE:
                    continue
                if prefix == "hosts.item":
                    item = build_value(events, event, value)
                    if keys.unseen:
                        early_hosts.append(item)
                    else:
                        yield from hosts.assets((item,))
                elif prefix == "vulnerabilities.item":
                    vulnerabilities.append(build_value(events, event, value))
            keys.check_at_end()
            for index, item in enumerate(vulnerabilities, start=1):
                yield finding(item, index, hosts.by_id, self.source)


class _Hosts:
    """The assets of ``hosts`` items, and each host id's name and transports for the findings."""

    def __init__(self, source: str) -> None:
        self._source = source
        self.by_id: dict[str, Host] = {}
        self._count = 0

    def assets(self, items: Iterable[Any]) -> Iterator[ScanAsset]:
        for item in items:
            self._count += 1
            if not isinstance(item, dict):
                raise InvalidFile(self._source, f"hosts item {self._count} is {kind_of(item)}, expected an object")
            asset, found = host(item)
            if item.get("id") is not None:
                self.by_id[str(item["id"])] = found
            yield asset


class _Keys:
    """Both top-level arrays must exist, and a missing one is the first error to report.

    The head names the keys it shows; those it does not show (a head cut before them) are looked
    for while the file is read: a key is there once its first value has been read whole and is
    not null.
    """

    def __init__(self, head: bytes, source: str) -> None:
        self._head = head
        self._source = source
        keys = top_level_keys(head)
        if keys is None:
            found = "a JSON array" if top_level_is_array(head) else "not a JSON object"
            raise InvalidFile(source, f"the top level is {found}, expected an object with hosts and vulnerabilities")
        self.unseen = [key for key in REQUIRED_KEYS if key not in keys]
        self._absent: list[str] = []
        if self.unseen and len(head) < HEAD_BYTES:  # the head is the whole file
            raise self._missing(self.unseen)

    def seen(self, key: str, event: str) -> bool:
        """An event at ``key``'s own level: its value is complete at its end (or as a scalar).
        True once every key is known to be there; a missing-key error once all are known."""
        if event in ("start_map", "start_array", "map_key"):
            return False
        self.unseen.remove(key)
        if event == "null":
            self._absent.append(key)
        if self.unseen:
            return False
        if self._absent:
            raise self._missing([key for key in REQUIRED_KEYS if key in self._absent])
        return True

    def check_at_end(self) -> None:
        missing = [key for key in REQUIRED_KEYS if key in self._absent or key in self.unseen]
        if missing:
            raise self._missing(missing)

    def _missing(self, keys: list[str]) -> InvalidFile:
        listed = ", ".join(sorted(top_level_keys(self._head) or ())) or "none"
        return InvalidFile(self._source, f"missing top-level key(s) {', '.join(keys)}; top-level keys are {listed}")
