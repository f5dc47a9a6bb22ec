"""The merger: folds parsed records into a report, idempotently.

PlexTrac's re-import rule (notes §3.5): a finding whose ``flaw_id`` is already in the report is
not duplicated and keeps its text; only new findings are added, plus new affected assets, ports
and evidence on existing ones. Everything is keyed by identity (asset name, flaw id, finding and
asset, evidence content hash), so running the same records twice leaves the report as running
them once. The merger never knows a file format.

The caller holds the client's merge lock (``findings.locks``) for the whole transaction. So the merger
knows which affected assets it created itself, and writes their ports and evidence, the bulk of
an import, with plain COPY; rows that may already exist go through INSERT … ON CONFLICT DO NOTHING.

Asset attributes only fill blanks and grow lists (IPs, ports, tags): an older scan imported later
never erases what a newer one said.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scanlift.db.base import Base, utcnow
from scanlift.db.ids import time_ordered_uuids
from scanlift.db.upsert import allocate_ids, chunks, insert_ignore, insert_new
from scanlift.findings import identifiers
from scanlift.findings.client_assets import ClientAssetMerger
from scanlift.findings.models import AffectedAsset, AffectedAssetPort, Evidence, Finding
from scanlift.parsers.base import ScanAsset, ScanFinding, ScanRecord

_ID_BLOCK = 20_000

_AFFECTED_COLUMNS = (
    "id", "finding_id", "asset_id", "status", "location_url", "vulnerable_parameters", "notes", "created_at"
)  # fmt: skip
#: The tables a merge can grow by many rows at once.
BULK_TABLES = ("client_assets", "client_asset_ports", "findings", "affected_assets", "affected_asset_ports", "evidence")
_PORT_COLUMNS = ("affected_asset_id", "number", "protocol", "service")
_EVIDENCE_COLUMNS = ("id", "affected_asset_id", "content_hash", "caption", "code", "created_at")


@dataclass(frozen=True, slots=True)
class MergeTarget:
    client_id: int
    #: None for an asset-only import: findings in the file are not merged anywhere.
    report_id: int | None
    source: str
    asset_tags: Sequence[str] = ()
    finding_tags: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class MergeCounts:
    findings: int
    assets: int
    finding_assets: int
    evidence: int


@dataclass
class _FindingExtras:
    """Identifiers and tags seen on later sightings, unioned onto the finding at the end."""

    cves: set[str] = field(default_factory=set)
    cwes: set[int] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)


class _IdBlock:
    """Primary keys reserved ahead, thousands at a time, to save a round trip per batch.

    A refill drops the ids left over, unused: on SQLite the next reservation starts after the
    highest id written, which may be below them."""

    def __init__(self, session: Session, model: type[Base]) -> None:
        self._session = session
        self._model = model
        self._ids: list[int] = []

    def take(self, count: int) -> list[int]:
        if count > len(self._ids):
            self._ids = allocate_ids(self._session, self._model, max(count, _ID_BLOCK))
        taken, self._ids = self._ids[:count], self._ids[count:]
        return taken


def _as_dicts(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    return [dict(zip(columns, row, strict=True)) for row in rows]


def evidence_hash(caption: str, code: str) -> str:
    return hashlib.sha256(f"{caption}\x00{code}".encode()).hexdigest()


class ReportMerger:
    def __init__(self, session: Session, target: MergeTarget) -> None:
        self.session = session
        self.target = target
        self._assets = ClientAssetMerger(session, target.client_id)
        self._finding_ids: dict[str, int] = {}
        #: Findings this merge inserted; every other finding id came from an earlier import.
        self._new_findings: set[int] = set()
        #: Affected assets (finding id, asset id) that this import's sightings touched.
        self._affected_ids: dict[tuple[int, str], int] = {}
        #: Affected assets of earlier imports, loaded per finding, not touched (yet) by this one.
        self._preexisting_affected: dict[tuple[int, str], int] = {}
        self._loaded_findings: set[int] = set()
        #: The touched affected assets that existed before this merge.
        self._existing_affected: set[int] = set()
        #: Ports and evidence written by this merge, as integer keys: small on multi-gigabyte files.
        self._evidence_seen: set[int] = set()
        self._ports_seen: set[int] = set()
        self._evidence_ids = time_ordered_uuids()
        self._affected_id_block = _IdBlock(session, AffectedAsset)
        self._extras: dict[int, _FindingExtras] = defaultdict(_FindingExtras)
        self._parameters: dict[int, set[str]] = defaultdict(set)

    # -- public ------------------------------------------------------------------------------

    def add(self, batch: Sequence[ScanRecord]) -> None:
        assets = [r for r in batch if isinstance(r, ScanAsset) and r.name.strip()]
        sightings = [r for r in batch if isinstance(r, ScanFinding)] if self.target.report_id is not None else []
        names = {a.name for a in assets} | {s.asset for s in sightings if s.asset}
        self._assets.ensure(sorted(names))
        self._assets.merge_details(assets)
        self._ensure_findings(sightings)
        self._add_sightings([s for s in sightings if s.asset])

    def finish(self) -> MergeCounts:
        self._apply_finding_extras()
        self._apply_parameters()
        self._assets.apply_tags(self.target.asset_tags)
        return MergeCounts(
            findings=len(self._finding_ids),
            assets=len(self._assets.ids),
            finding_assets=len(self._affected_ids),
            evidence=len(self._evidence_seen),
        )

    # -- findings ----------------------------------------------------------------------------

    def _ensure_findings(self, sightings: Sequence[ScanFinding]) -> None:
        first_by_flaw: dict[str, ScanFinding] = {}
        for sighting in sightings:
            if sighting.flaw_id in self._finding_ids:
                self._note_extras(self._finding_ids[sighting.flaw_id], sighting)
            else:
                first_by_flaw.setdefault(sighting.flaw_id, sighting)
        if not first_by_flaw:
            return
        now = utcnow()
        rows = [self._finding_row(s, now) for s in first_by_flaw.values()]
        inserted = insert_ignore(self.session, Finding, rows, ["report_id", "flaw_id"], returning=["id", "flaw_id"])
        self._finding_ids.update((flaw_id, finding_id) for finding_id, flaw_id in inserted)
        self._new_findings.update(finding_id for finding_id, _ in inserted)
        existing = sorted(f for f in first_by_flaw if f not in self._finding_ids)
        for chunk in chunks(existing):
            for finding_id, flaw_id in self.session.execute(
                select(Finding.id, Finding.flaw_id).where(
                    Finding.report_id == self.target.report_id, Finding.flaw_id.in_(chunk)
                )
            ):
                self._finding_ids[flaw_id] = finding_id
        for sighting in sightings:
            if sighting.flaw_id in first_by_flaw:
                self._note_extras(self._finding_ids[sighting.flaw_id], sighting)

    def _finding_row(self, finding: ScanFinding, now: Any) -> dict[str, Any]:
        return {
            "report_id": self.target.report_id,
            "client_id": self.target.client_id,
            "flaw_id": finding.flaw_id,
            "title": finding.title,
            "severity": str(finding.severity),
            "status": "Open",
            "visibility": "draft",
            "source": self.target.source,
            "description": finding.description,
            "recommendations": finding.recommendations,
            "references": "\n".join(finding.references),
            "tags": list(dict.fromkeys([*finding.tags, *self.target.finding_tags])),
            "common_identifiers": identifiers.common_identifiers(finding.cves, finding.cwes),
            "risk_score": identifiers.risk_score(finding.scores),
            "fields": identifiers.custom_fields(finding.fields),
            "created_at": now,
            "updated_at": now,
        }

    def _note_extras(self, finding_id: int, sighting: ScanFinding) -> None:
        extras = self._extras[finding_id]
        extras.cves.update(sighting.cves)
        extras.cwes.update(sighting.cwes)
        extras.tags.update(sighting.tags)

    def _apply_finding_extras(self) -> None:
        """Union identifiers and tags from every sighting, and the job's finding tags."""
        job_tags = list(self.target.finding_tags)
        ids = sorted(self._finding_ids.values())
        for chunk in chunks(ids):
            for row in self.session.scalars(select(Finding).where(Finding.id.in_(chunk)).with_for_update()):
                extras = self._extras.get(row.id, _FindingExtras())
                cves, cwes = identifiers.identifiers_of(row.common_identifiers)
                if not (extras.cves <= cves and extras.cwes <= cwes):
                    row.common_identifiers = {
                        **row.common_identifiers,
                        **identifiers.common_identifiers(cves | extras.cves, cwes | extras.cwes),
                    }
                tags = list(dict.fromkeys([*row.tags, *sorted(extras.tags), *job_tags]))
                if tags != row.tags:
                    row.tags = tags
        self.session.flush()

    # -- affected assets, ports, evidence ----------------------------------------------------

    def _add_sightings(self, sightings: Sequence[ScanFinding]) -> None:
        if not sightings:
            return
        finding_ids, asset_ids = self._finding_ids, self._assets.ids
        keys = [(finding_ids[s.flaw_id], asset_ids[s.asset]) for s in sightings if s.asset is not None]
        self._ensure_affected(keys, sightings)
        # Rows under an affected asset this merge created cannot exist yet: they go straight in.
        # Rows under one that existed may be there from an earlier import: insert-if-absent.
        fresh_ports: list[tuple[int, str, str, str]] = []
        fresh_evidence: list[tuple[str, int, str, str, str, datetime]] = []
        known_ports: list[tuple[int, str, str, str]] = []
        known_evidence: list[tuple[str, int, str, str, str, datetime]] = []
        affected_ids, existing, ports_seen, evidence_seen = (
            self._affected_ids, self._existing_affected, self._ports_seen, self._evidence_seen
        )  # fmt: skip
        now = utcnow()
        for key, s in zip(keys, sightings, strict=True):
            affected_id = affected_ids[key]
            existed = affected_id in existing
            if s.vulnerable_parameters:
                self._parameters[affected_id].update(s.vulnerable_parameters)
            port = s.port
            if port is not None:
                # Python's 64-bit hash as the key: a collision among a file's ports is ~1e-9 likely.
                port_key = hash((affected_id, port.number, port.protocol))
                if port_key not in ports_seen:
                    ports_seen.add(port_key)
                    (known_ports if existed else fresh_ports).append(
                        (affected_id, port.number, port.protocol, port.service)
                    )
            for item in s.evidence:
                digest = evidence_hash(item.caption, item.code)
                # The affected asset and 64 bits of the content hash: exact across assets.
                evidence_key = affected_id << 64 | int(digest[:16], 16)
                if evidence_key not in evidence_seen:
                    evidence_seen.add(evidence_key)
                    row = (next(self._evidence_ids), affected_id, digest, item.caption, item.code, now)
                    (known_evidence if existed else fresh_evidence).append(row)
        insert_new(self.session, AffectedAssetPort, _PORT_COLUMNS, fresh_ports)
        insert_ignore(self.session, AffectedAssetPort, _as_dicts(_PORT_COLUMNS, known_ports), _PORT_COLUMNS[:3])
        self._assets.add_ports((asset_ids[s.asset], s.port) for s in sightings if s.asset and s.port is not None)
        insert_new(self.session, Evidence, _EVIDENCE_COLUMNS, fresh_evidence)
        insert_ignore(self.session, Evidence, _as_dicts(_EVIDENCE_COLUMNS, known_evidence), _EVIDENCE_COLUMNS[1:3])

    def _ensure_affected(self, keys: Sequence[tuple[int, str]], sightings: Sequence[ScanFinding]) -> None:
        """Find or create the affected asset of every (finding id, asset id) in ``keys``."""
        known = self._affected_ids
        wanted: dict[tuple[int, str], ScanFinding] = {}
        for key, s in zip(keys, sightings, strict=True):
            if key not in known and key not in wanted:
                wanted[key] = s
        if not wanted:
            return
        self._load_affected_of({finding_id for finding_id, _ in wanted} - self._new_findings)
        new: list[tuple[tuple[int, str], ScanFinding]] = []
        for key, s in wanted.items():
            existing = self._preexisting_affected.pop(key, None)
            if existing is None:
                new.append((key, s))
            else:
                known[key] = existing
                self._existing_affected.add(existing)
        now = utcnow()
        rows = []
        for affected_id, ((finding_id, asset_id), s) in zip(self._affected_id_block.take(len(new)), new, strict=True):
            known[(finding_id, asset_id)] = affected_id
            parameters = sorted(set(s.vulnerable_parameters)) if s.vulnerable_parameters else []
            rows.append((affected_id, finding_id, asset_id, "Open", s.location_url, parameters, "", now))
        insert_new(self.session, AffectedAsset, _AFFECTED_COLUMNS, rows)

    def _load_affected_of(self, finding_ids: set[int]) -> None:
        """Read, once per finding, the affected assets that findings from earlier imports have."""
        to_load = sorted(finding_ids - self._loaded_findings)
        for chunk in chunks(to_load):
            for affected_id, finding_id, asset_id in self.session.execute(
                select(AffectedAsset.id, AffectedAsset.finding_id, AffectedAsset.asset_id).where(
                    AffectedAsset.finding_id.in_(chunk)
                )
            ):
                self._preexisting_affected[(finding_id, asset_id)] = affected_id
        self._loaded_findings.update(to_load)

    def _apply_parameters(self) -> None:
        ids = sorted(self._parameters)
        for chunk in chunks(ids):
            for row in self.session.scalars(select(AffectedAsset).where(AffectedAsset.id.in_(chunk)).with_for_update()):
                merged = sorted(set(row.vulnerable_parameters) | self._parameters[row.id])
                if merged != row.vulnerable_parameters:
                    row.vulnerable_parameters = merged
        self.session.flush()
