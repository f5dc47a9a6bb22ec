"""The merger: folds parsed records into a report, idempotently.

PlexTrac's re-import rule (notes §3.5): a finding whose ``flaw_id`` is already in the report is
not duplicated and keeps its text; only new findings are added, plus new affected assets, ports
and evidence on existing ones. Everything is keyed by identity (asset name, flaw id, finding and
asset, evidence content hash) and written with INSERT … ON CONFLICT DO NOTHING, so running the
same records twice leaves the report as running them once. The merger never knows a file format.

Asset attributes only fill blanks and grow lists (IPs, ports, tags): an older scan imported later
never erases what a newer one said.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scanlift.clients.models import ClientAsset, ClientAssetPort
from scanlift.db.base import utcnow
from scanlift.db.upsert import insert_ignore
from scanlift.findings import identifiers
from scanlift.findings.models import AffectedAsset, AffectedAssetPort, Evidence, Finding
from scanlift.parsers.base import Port, ScanAsset, ScanFinding, ScanRecord

_CHUNK = 500


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


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def evidence_hash(caption: str, code: str) -> str:
    return hashlib.sha256(f"{caption}\x00{code}".encode()).hexdigest()


class ReportMerger:
    def __init__(self, session: Session, target: MergeTarget) -> None:
        self.session = session
        self.target = target
        self._asset_ids: dict[str, str] = {}
        self._finding_ids: dict[str, int] = {}
        self._affected_ids: dict[tuple[int, str], int] = {}
        self._evidence_seen: set[bytes] = set()
        self._extras: dict[int, _FindingExtras] = defaultdict(_FindingExtras)
        self._parameters: dict[int, set[str]] = defaultdict(set)

    # -- public ------------------------------------------------------------------------------

    def add(self, batch: Sequence[ScanRecord]) -> None:
        assets = [r for r in batch if isinstance(r, ScanAsset) and r.name.strip()]
        sightings = [r for r in batch if isinstance(r, ScanFinding)] if self.target.report_id is not None else []
        names = {a.name for a in assets} | {s.asset for s in sightings if s.asset}
        self._ensure_assets(sorted(names))
        self._merge_asset_details(assets)
        self._ensure_findings(sightings)
        self._add_sightings([s for s in sightings if s.asset])

    def finish(self) -> MergeCounts:
        self._apply_finding_extras()
        self._apply_parameters()
        self._apply_asset_tags()
        return MergeCounts(
            findings=len(self._finding_ids),
            assets=len(self._asset_ids),
            finding_assets=len(self._affected_ids),
            evidence=len(self._evidence_seen),
        )

    # -- assets ------------------------------------------------------------------------------

    def _ensure_assets(self, names: Sequence[str]) -> None:
        missing = [n for n in names if n not in self._asset_ids]
        if not missing:
            return
        now = utcnow()
        rows = [
            {
                "id": str(uuid.uuid4()),
                "client_id": self.target.client_id,
                "asset": name,
                "type": "General",
                "description": "",
                "known_ips": [],
                "hostname": "",
                "host_fqdn": "",
                "netbios_name": "",
                "mac_address": "",
                "operating_system": "",
                "tags": [],
                "created_at": now,
                "updated_at": now,
            }
            for name in missing
        ]
        inserted = insert_ignore(self.session, ClientAsset, rows, ["client_id", "asset"], returning=["id", "asset"])
        self._asset_ids.update((name, asset_id) for asset_id, name in inserted)
        existing = [n for n in missing if n not in self._asset_ids]
        for chunk in _chunks(existing):
            for asset_id, name in self.session.execute(
                select(ClientAsset.id, ClientAsset.asset).where(
                    ClientAsset.client_id == self.target.client_id, ClientAsset.asset.in_(chunk)
                )
            ):
                self._asset_ids[name] = asset_id

    def _merge_asset_details(self, assets: Sequence[ScanAsset]) -> None:
        if not assets:
            return
        by_name: dict[str, list[ScanAsset]] = defaultdict(list)
        for asset in assets:
            by_name[asset.name].append(asset)
        ids = sorted(self._asset_ids[name] for name in by_name)
        rows = self.session.scalars(select(ClientAsset).where(ClientAsset.id.in_(ids)).with_for_update()).all()
        for row in rows:
            for asset in by_name[row.asset]:
                _fill_asset(row, asset)
        self._add_client_ports((self._asset_ids[a.name], port) for a in assets for port in a.ports)

    def _add_client_ports(self, pairs: Iterable[tuple[str, Port]]) -> None:
        rows = {
            (asset_id, p.number, p.protocol): {
                "asset_id": asset_id,
                "number": p.number,
                "protocol": p.protocol,
                "service": p.service,
                "version": p.version,
            }
            for asset_id, p in pairs
        }
        insert_ignore(self.session, ClientAssetPort, list(rows.values()), ["asset_id", "number", "protocol"])

    def _apply_asset_tags(self) -> None:
        tags = list(self.target.asset_tags)
        if not tags:
            return
        for chunk in _chunks(sorted(self._asset_ids.values())):
            for row in self.session.scalars(select(ClientAsset).where(ClientAsset.id.in_(chunk)).with_for_update()):
                merged = list(dict.fromkeys([*row.tags, *tags]))
                if merged != row.tags:
                    row.tags = merged
        self.session.flush()

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
        existing = sorted(f for f in first_by_flaw if f not in self._finding_ids)
        for chunk in _chunks(existing):
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
        for chunk in _chunks(ids):
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
        self._ensure_affected(sightings)
        ports: dict[tuple[int, str, str], dict[str, Any]] = {}
        evidence: dict[tuple[int, str], dict[str, Any]] = {}
        now = utcnow()
        for s in sightings:
            assert s.asset is not None
            asset_id = self._asset_ids[s.asset]
            affected_id = self._affected_ids[(self._finding_ids[s.flaw_id], asset_id)]
            if s.vulnerable_parameters:
                self._parameters[affected_id].update(s.vulnerable_parameters)
            if s.port is not None:
                ports[(affected_id, s.port.number, s.port.protocol)] = {
                    "affected_asset_id": affected_id,
                    "number": s.port.number,
                    "protocol": s.port.protocol,
                    "service": s.port.service,
                }
            for item in s.evidence:
                digest = evidence_hash(item.caption, item.code)
                evidence[(affected_id, digest)] = {
                    "id": str(uuid.uuid4()),
                    "affected_asset_id": affected_id,
                    "content_hash": digest,
                    "caption": item.caption,
                    "code": item.code,
                    "created_at": now,
                }
                self._evidence_seen.add(hashlib.blake2b(f"{affected_id}:{digest}".encode(), digest_size=8).digest())
        insert_ignore(
            self.session,
            AffectedAssetPort,
            list(ports.values()),
            ["affected_asset_id", "number", "protocol"],
        )
        self._add_client_ports((self._asset_ids[s.asset], s.port) for s in sightings if s.asset and s.port is not None)
        insert_ignore(self.session, Evidence, list(evidence.values()), ["affected_asset_id", "content_hash"])

    def _ensure_affected(self, sightings: Sequence[ScanFinding]) -> None:
        wanted: dict[tuple[int, str], ScanFinding] = {}
        for s in sightings:
            assert s.asset is not None
            key = (self._finding_ids[s.flaw_id], self._asset_ids[s.asset])
            if key not in self._affected_ids:
                wanted.setdefault(key, s)
        if not wanted:
            return
        now = utcnow()
        rows = [
            {
                "finding_id": finding_id,
                "asset_id": asset_id,
                "status": "Open",
                "location_url": s.location_url,
                "vulnerable_parameters": sorted(set(s.vulnerable_parameters)),
                "notes": "",
                "created_at": now,
            }
            for (finding_id, asset_id), s in wanted.items()
        ]
        inserted = insert_ignore(
            self.session, AffectedAsset, rows, ["finding_id", "asset_id"], returning=["id", "finding_id", "asset_id"]
        )
        self._affected_ids.update(
            ((finding_id, asset_id), affected_id) for affected_id, finding_id, asset_id in inserted
        )
        existing = [key for key in wanted if key not in self._affected_ids]
        by_finding: dict[int, set[str]] = defaultdict(set)
        for finding_id, asset_id in existing:
            by_finding[finding_id].add(asset_id)
        for chunk in _chunks(sorted(by_finding)):
            for affected_id, finding_id, asset_id in self.session.execute(
                select(AffectedAsset.id, AffectedAsset.finding_id, AffectedAsset.asset_id).where(
                    AffectedAsset.finding_id.in_(chunk)
                )
            ):
                if asset_id in by_finding[finding_id]:
                    self._affected_ids[(finding_id, asset_id)] = affected_id

    def _apply_parameters(self) -> None:
        ids = sorted(self._parameters)
        for chunk in _chunks(ids):
            for row in self.session.scalars(select(AffectedAsset).where(AffectedAsset.id.in_(chunk)).with_for_update()):
                merged = sorted(set(row.vulnerable_parameters) | self._parameters[row.id])
                if merged != row.vulnerable_parameters:
                    row.vulnerable_parameters = merged
        self.session.flush()


def _fill_asset(row: ClientAsset, asset: ScanAsset) -> None:
    """Fill blank attributes and grow the IP list; never overwrite what is already known."""
    ips = list(dict.fromkeys([*row.known_ips, *asset.ips]))
    if ips != row.known_ips:
        row.known_ips = ips
    for column, value in (
        ("hostname", asset.hostname),
        ("host_fqdn", asset.fqdn),
        ("netbios_name", asset.netbios),
        ("mac_address", asset.mac),
        ("operating_system", asset.operating_system),
        ("description", asset.description),
    ):
        if value and not getattr(row, column):
            setattr(row, column, value)
    if asset.type and row.type in ("", "General"):
        row.type = asset.type
