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
the file is read in two streaming passes (hosts, then vulnerabilities) with ``_json.iter_items``;
memory holds one item at a time plus a small id -> host name map. A stream that cannot seek is
first copied to a spooled temporary file (kept on disk past a few MiB).
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO, ClassVar

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.json import iter_items, top_level_is_array, top_level_keys, value_text
from scanlift.parsers._lib.sniff import HEAD_BYTES
from scanlift.parsers.base import (
    Evidence,
    InvalidFile,
    Port,
    ScanAsset,
    ScanFinding,
    ScanRecord,
    Severity,
    Sniff,
    Upload,
)

REQUIRED_KEYS = ("hosts", "vulnerabilities")
#: Keys found only in Pentera items, used to tell its files apart from other tools' JSON.
_SNIFF_TOKENS = (b'"found_on"', b'"target_id"', b'"task_run_id"')
_CVE_SUFFIX_RE = re.compile(r"\s*\(\s*CVE-\d{4}-\d{4,}(?:\s*[,;]\s*CVE-\d{4}-\d{4,})*\s*\)\s*$", re.IGNORECASE)
_FOUND_ON_RE = re.compile(r"^\s*(?:target|host)\s*:\s*([^,\s]+)", re.IGNORECASE)
#: Vulnerability keys mapped to finding fields; every other key goes to the record evidence.
_MAPPED_KEYS = frozenset({"name", "summary", "remediation", "insight", "severity", "priority", "port", "protocol"})
_SPOOL_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class _Host:
    name: str
    #: port number -> transport ("tcp"/"udp") from the host's services.
    transports: Mapping[str, str]


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
        stream = upload.stream
        with _rewindable(stream) as data:
            start = data.tell()
            _check_shape(data, start, self.source)
            hosts: dict[str, _Host] = {}
            data.seek(start)
            for index, item in enumerate(iter_items(data, "hosts.item", source=self.source), start=1):
                if not isinstance(item, dict):
                    raise InvalidFile(self.source, f"hosts item {index} is {_kind(item)}, expected an object")
                asset, host = _host(item)
                if item.get("id") is not None:
                    hosts[str(item["id"])] = host
                yield asset
            data.seek(start)
            for index, item in enumerate(iter_items(data, "vulnerabilities.item", source=self.source), start=1):
                yield _finding(item, index, hosts, self.source)


@contextlib.contextmanager
def _rewindable(stream: BinaryIO) -> Iterator[BinaryIO]:
    seekable = getattr(stream, "seekable", None)
    if callable(seekable) and seekable():
        yield stream
        return
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
        shutil.copyfileobj(stream, spool)
        spool.seek(0)
        yield spool  # type: ignore[misc]


def _check_shape(data: BinaryIO, start: int, source: str) -> None:
    """Both top-level arrays must exist; the message names what the file has instead."""
    data.seek(start)
    head = data.read(HEAD_BYTES)
    keys = top_level_keys(head)
    if keys is None:
        found = "a JSON array" if top_level_is_array(head) else "not a JSON object"
        raise InvalidFile(source, f"the top level is {found}, expected an object with hosts and vulnerabilities")
    missing = [key for key in REQUIRED_KEYS if key not in keys]
    if missing and len(head) >= HEAD_BYTES:
        # The head may end before a later key: look for it with a full streaming pass.
        still = []
        for key in missing:
            data.seek(start)
            if next(iter_items(data, key, source=source), None) is None:
                still.append(key)
        missing = still
    if missing:
        listed = ", ".join(sorted(keys)) or "none"
        raise InvalidFile(source, f"missing top-level key(s) {', '.join(missing)}; top-level keys are {listed}")


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__}"


def _text_of(value: Any) -> str:
    return _text.clean(value_text(value))


# --- hosts ----------------------------------------------------------------------------------------


def _host(item: dict[str, Any]) -> tuple[ScanAsset, _Host]:
    domain = item.get("domain")
    if not isinstance(domain, dict):
        domain = {}
    ip = _text_of(item.get("ip"))
    hostname = _text_of(item.get("hostname"))
    fqdn = _text_of(domain.get("FQDN"))
    name = ip or hostname or fqdn or _text_of(item.get("id"))
    ports: dict[tuple[str, str], Port] = {}
    transports: dict[str, str] = {}
    services = item.get("services")
    if not isinstance(services, list):
        services = []
    for service in services:
        if not isinstance(service, dict) or service.get("port") in (None, ""):
            continue
        number = _text_of(service.get("port"))
        protocol = (_text_of(service.get("transport")) or "tcp").lower()
        transports.setdefault(number, protocol)
        state = _text_of(service.get("state") or service.get("status")).lower()
        if state in ("", "open"):
            ports.setdefault(
                (number, protocol),
                Port(number=number, protocol=protocol, service=_text_of(service.get("name"))),
            )
    asset = ScanAsset(
        name=name,
        ips=_ids.unique([ip]),
        hostname=hostname,
        fqdn=fqdn,
        netbios=_text_of(domain.get("netBIOS")),
        operating_system=_text_of(item.get("os_name")) or _text_of(item.get("os_type")),
        description=_host_description(item, domain),
        ports=tuple(ports.values()),
    )
    return asset, _Host(name=name, transports=transports)


def _host_description(item: dict[str, Any], domain: dict[str, Any]) -> str:
    """Host facts with no asset field of their own, as "label: value" lines."""
    facts = [
        ("Pentera host id", item.get("id")),
        ("Domain", domain.get("name")),
        ("OS type", item.get("os_type") if item.get("os_name") else None),
        ("Vendor", item.get("vendor")),
        ("Task run id", item.get("task_run_id")),
    ]
    return "\n".join(f"{label}: {_text_of(value)}" for label, value in facts if _text_of(value))


# --- vulnerabilities ----------------------------------------------------------------------------


def _finding(item: Any, index: int, hosts: dict[str, _Host], source: str) -> ScanFinding:
    if not isinstance(item, dict):
        raise InvalidFile(source, f"vulnerabilities item {index} is {_kind(item)}, expected an object")
    name = _text_of(item.get("name"))
    if not name:
        keys = ", ".join(sorted(item)) or "none"
        raise InvalidFile(source, f"vulnerabilities item {index} has no name (its keys are {keys})")
    title = _CVE_SUFFIX_RE.sub("", name).strip() or name
    summary = _text_of(item.get("summary"))
    remediation = _text_of(item.get("remediation"))
    insight = _text_of(item.get("insight"))
    found_on = _text_of(item.get("found_on"))

    host = hosts.get(_text_of(item.get("target_id")))
    asset = host.name if host else _host_from_found_on(found_on)
    port = None
    number = _text_of(item.get("port"))
    if number and number != "0":
        transport = host.transports.get(number, "tcp") if host else "tcp"
        port = Port(number=number, protocol=transport, service=_text_of(item.get("protocol")))

    raw_severity = item.get("severity")
    severity = _severity_of(raw_severity)
    fields = [
        ("Pentera Severity Score", _text_of(raw_severity)),
        ("Pentera Priority", _text_of(item.get("priority"))),
    ]
    evidence = []
    where = found_on or asset or "the target"
    if insight:
        evidence.append(Evidence(caption=f"Pentera insight ({where})", code=insight))
    record = _record_lines(item)
    if record:
        evidence.append(Evidence(caption=f"Pentera vulnerability record ({where})", code="\n".join(record)))
    return ScanFinding(
        flaw_id=_ids.title_flaw_id(title),
        title=title,
        severity=severity or Severity.INFORMATIONAL,
        description=summary,
        recommendations=remediation,
        cves=_ids.find_cves(name, summary, insight, remediation),
        fields=tuple((label, value) for label, value in fields if value),
        asset=asset or None,
        port=port,
        evidence=tuple(evidence),
    )


def _host_from_found_on(found_on: str) -> str:
    match = _FOUND_ON_RE.match(found_on)
    return match.group(1) if match else ""


def _severity_of(value: Any) -> Severity | None:
    """Pentera's 0-10 score in Pentera's own buckets; a severity word is taken as is."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            score = float(value)
        except ValueError:
            return _severity.from_label(value)
    elif isinstance(value, int | float):
        score = float(value)
    else:
        return None
    return _severity.from_bands(score, _severity.PENTERA_BANDS)


def _record_lines(item: dict[str, Any]) -> list[str]:
    """Every key not mapped to a finding field, verbatim (epoch times also shown in UTC)."""
    lines = []
    for key, value in item.items():
        if key in _MAPPED_KEYS or value in (None, "", [], {}):
            continue
        text = json.dumps(value, default=str, ensure_ascii=False) if isinstance(value, dict | list) else _text_of(value)
        if key == "creation_time" and isinstance(value, int | float) and not isinstance(value, bool):
            with contextlib.suppress(OverflowError, OSError, ValueError):
                text += f" ({datetime.fromtimestamp(value / 1000, tz=UTC).isoformat()})"
        lines.append(f"{key}: {text}")
    return lines
