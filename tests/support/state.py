"""A canonical digest of everything an import can write into a report, for before/after checks."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scanlift.clients.models import ClientAsset, ClientAssetPort
from scanlift.findings.models import AffectedAsset, AffectedAssetPort, Evidence, Finding


def report_state(session: Session, *, client_id: int, report_id: int) -> dict[str, Any]:
    """Findings, affected assets, ports, evidence and client assets, without generated ids or times."""
    assets = {a.id: a for a in session.scalars(select(ClientAsset).where(ClientAsset.client_id == client_id))}
    asset_ports: dict[str, list[tuple[str, str, str]]] = {a: [] for a in assets}
    for port in session.scalars(select(ClientAssetPort).where(ClientAssetPort.asset_id.in_(list(assets)))):
        asset_ports[port.asset_id].append((port.number, port.protocol, port.service))
    findings = {f.id: f for f in session.scalars(select(Finding).where(Finding.report_id == report_id))}
    affected = list(session.scalars(select(AffectedAsset).where(AffectedAsset.finding_id.in_(list(findings)))))
    affected_ids = [a.id for a in affected]
    ports: dict[int, list[tuple[str, str, str]]] = {a: [] for a in affected_ids}
    for port in session.scalars(select(AffectedAssetPort).where(AffectedAssetPort.affected_asset_id.in_(affected_ids))):
        ports[port.affected_asset_id].append((port.number, port.protocol, port.service))
    evidence: dict[int, list[tuple[str, str]]] = {a: [] for a in affected_ids}
    for item in session.scalars(select(Evidence).where(Evidence.affected_asset_id.in_(affected_ids))):
        evidence[item.affected_asset_id].append((item.content_hash, item.caption))
    return {
        "assets": sorted(
            [
                a.asset, a.type, a.known_ips, a.hostname, a.host_fqdn, a.netbios_name, a.mac_address,
                a.operating_system, a.description, sorted(a.tags), sorted(asset_ports[a.id]),
            ]
            for a in assets.values()
        ),
        "findings": sorted(
            [
                f.flaw_id, f.title, f.severity, f.status, f.description, f.recommendations, f.references,
                sorted(f.tags), f.common_identifiers, f.risk_score, f.fields, f.source,
            ]
            for f in findings.values()
        ),
        "affected": sorted(
            [
                findings[a.finding_id].flaw_id, assets[a.asset_id].asset, a.location_url, a.vulnerable_parameters,
                sorted(ports[a.id]), sorted(evidence[a.id]),
            ]
            for a in affected
        ),
    }  # fmt: skip


def state_digest(state: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()
