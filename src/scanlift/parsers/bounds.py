"""Bounds on every record a parser yields, checked once in the runner for every format.

A file is hostile until parsed: whatever it says, what reaches the database must be something
the read routes can always serve. Identities (a finding's id, an asset's name) and ports that
are out of bounds end the import with a clear error, because cutting them would merge things
that differ. Free text (titles, descriptions, evidence, custom fields) is cut to its bound with a
marker that says how much was left out: the finding still lands, and the cut is visible.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any, TypeVar

from scanlift.limits import file_limits
from scanlift.parsers.base import Evidence, InvalidFile, Port, ScanAsset, ScanFinding, ScanRecord, Score, excerpt

_LIMITS = file_limits()
MAX_ID_CHARS = _LIMITS.max_id_chars
MAX_NAME_CHARS = _LIMITS.max_name_chars
MAX_TITLE_CHARS = _LIMITS.max_title_chars
MAX_TEXT_CHARS = _LIMITS.max_text_chars
MAX_EVIDENCE_CHARS = _LIMITS.max_evidence_chars
MAX_SHORT_CHARS = _LIMITS.max_title_chars
MAX_ITEMS = _LIMITS.max_list_items
HIGHEST_PORT = 65535

_Record = TypeVar("_Record", ScanFinding, ScanAsset)

_FINDING_LISTS = ("references", "cves", "cwes", "scores", "tags", "fields", "vulnerable_parameters", "evidence")


def bounded(records: Iterator[ScanRecord], source: str) -> Iterator[ScanRecord]:
    for record in records:
        if isinstance(record, ScanFinding):
            yield _finding(record, source)
        else:
            yield _asset(record, source)


def _finding(finding: ScanFinding, source: str) -> ScanFinding:
    if len(finding.flaw_id) > MAX_ID_CHARS:
        _identity(finding.flaw_id, "a finding id", MAX_ID_CHARS, source)
    if finding.asset is not None and len(finding.asset) > MAX_NAME_CHARS:
        _identity(finding.asset, "an asset name", MAX_NAME_CHARS, source)
    port = finding.port
    if port is not None and not (
        port.number.isascii() and port.number.isdigit() and len(port.number) <= 5 and len(port.service) <= 256
    ):
        _port(port, source)
    return _cut_finding(finding, source) if _oversized(finding) else finding


def _oversized(finding: ScanFinding) -> bool:
    """Whether anything in the finding is past its bound: the hot path, so plain loops and no copies."""
    if (
        len(finding.title) > MAX_TITLE_CHARS
        or len(finding.description) > MAX_TEXT_CHARS
        or len(finding.recommendations) > MAX_TEXT_CHARS
        or len(finding.location_url) > MAX_TEXT_CHARS
    ):
        return True
    for item in finding.evidence:
        if len(item.code) > MAX_EVIDENCE_CHARS or len(item.caption) > MAX_SHORT_CHARS:
            return True
    for label, value in finding.fields:
        if len(value) > MAX_TEXT_CHARS or len(label) > MAX_SHORT_CHARS:
            return True
    for group in (finding.references, finding.tags, finding.vulnerable_parameters):
        for text in group:
            if len(text) > MAX_SHORT_CHARS:
                return True
    for score in finding.scores:
        if len(score.score) > 16 or len(score.vector) > MAX_SHORT_CHARS or len(score.kind) > 16:
            return True
    return (
        len(finding.references) + len(finding.cves) + len(finding.cwes) + len(finding.tags) + len(finding.fields)
        + len(finding.vulnerable_parameters) + len(finding.evidence) + len(finding.scores)
    ) > MAX_ITEMS  # fmt: skip


def _cut_finding(finding: ScanFinding, source: str) -> ScanFinding:
    _count(
        finding, ("references", "cves", "cwes", "scores", "tags", "fields", "vulnerable_parameters", "evidence"), source
    )
    changes = {
        "title": _cut(finding.title, MAX_TITLE_CHARS),
        "description": _cut(finding.description, MAX_TEXT_CHARS),
        "recommendations": _cut(finding.recommendations, MAX_TEXT_CHARS),
        "location_url": _cut(finding.location_url, MAX_TEXT_CHARS),
        "references": tuple(_cut(r, MAX_SHORT_CHARS) for r in finding.references),
        "tags": tuple(_cut(t, MAX_SHORT_CHARS) for t in finding.tags),
        "fields": tuple((_cut(k, MAX_SHORT_CHARS), _cut(v, MAX_TEXT_CHARS)) for k, v in finding.fields),
        "vulnerable_parameters": tuple(_cut(p, MAX_SHORT_CHARS) for p in finding.vulnerable_parameters),
        "scores": tuple(_score(s) for s in finding.scores),
        "evidence": tuple(_evidence(e) for e in finding.evidence),
    }
    return _replaced(finding, changes)


def _asset(asset: ScanAsset, source: str) -> ScanAsset:
    _identity(asset.name, "an asset name", MAX_NAME_CHARS, source)
    for port in asset.ports:
        _port(port, source)
    _count(asset, ("ips", "ports"), source)
    changes = {
        "ips": tuple(_cut(ip, MAX_SHORT_CHARS) for ip in asset.ips),
        "hostname": _cut(asset.hostname, MAX_SHORT_CHARS),
        "fqdn": _cut(asset.fqdn, MAX_SHORT_CHARS),
        "netbios": _cut(asset.netbios, MAX_SHORT_CHARS),
        "mac": _cut(asset.mac, MAX_SHORT_CHARS),
        "operating_system": _cut(asset.operating_system, MAX_SHORT_CHARS),
        "description": _cut(asset.description, MAX_TEXT_CHARS),
    }
    return _replaced(asset, changes)


def _identity(value: str, what: str, limit: int, source: str) -> None:
    if len(value) > limit:
        raise InvalidFile(source, f"{what} is {len(value)} characters long; the limit is {limit} ({value[:60]!r}…)")


def _port(port: Port, source: str) -> None:
    number = port.number
    if not (number.isascii() and number.isdigit() and len(number) <= 5 and int(number) <= HIGHEST_PORT):
        raise InvalidFile(source, f"port {excerpt(number, 40)!r} is not a port number (0-{HIGHEST_PORT})")
    if len(port.protocol) > 16 or len(port.service) > 256 or len(port.version) > MAX_SHORT_CHARS:
        raise InvalidFile(source, f"port {number} has an overlong protocol, service or version")


def _count(record: ScanFinding | ScanAsset, names: tuple[str, ...], source: str) -> None:
    for name in names:
        if len(getattr(record, name)) > MAX_ITEMS:
            raise InvalidFile(source, f"a record has more than {MAX_ITEMS} {name.replace('_', ' ')}")


def _score(score: Score) -> Score:
    if len(score.score) <= 16 and len(score.vector) <= MAX_SHORT_CHARS and len(score.kind) <= 16:
        return score
    return Score(kind=score.kind[:16], vector=_cut(score.vector, MAX_SHORT_CHARS), score=score.score[:16])


def _evidence(item: Evidence) -> Evidence:
    if len(item.code) <= MAX_EVIDENCE_CHARS and len(item.caption) <= MAX_SHORT_CHARS:
        return item
    return Evidence(caption=_cut(item.caption, MAX_SHORT_CHARS), code=_cut(item.code, MAX_EVIDENCE_CHARS))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else excerpt(text, limit)


def _replaced(record: _Record, changes: dict[str, Any]) -> _Record:
    """The record itself when nothing was cut."""
    changed = {name: value for name, value in changes.items() if value != getattr(record, name)}
    return dataclasses.replace(record, **changed) if changed else record
