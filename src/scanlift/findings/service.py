"""Reading findings with their affected assets, ports and evidence."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from scanlift.clients.models import ClientAsset, Report
from scanlift.errors import NotFound
from scanlift.findings.models import AffectedAsset, AffectedAssetPort, Evidence, Finding


@dataclass
class AffectedAssetView:
    affected: AffectedAsset
    asset: ClientAsset
    ports: list[AffectedAssetPort] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)


def list_findings(session: Session, report: Report) -> Sequence[Finding]:
    return session.scalars(select(Finding).where(Finding.report_id == report.id).order_by(Finding.id)).all()


def get_finding(session: Session, report: Report, flaw_id: str) -> Finding:
    finding = session.scalar(select(Finding).where(Finding.report_id == report.id, Finding.flaw_id == flaw_id))
    if finding is None:
        raise NotFound(f"finding {flaw_id} not found in report {report.id}")
    return finding


def affected_assets(session: Session, finding: Finding) -> list[AffectedAssetView]:
    rows = session.execute(
        select(AffectedAsset, ClientAsset)
        .join(ClientAsset, ClientAsset.id == AffectedAsset.asset_id)
        .where(AffectedAsset.finding_id == finding.id)
        .order_by(ClientAsset.asset)
    ).all()
    views = {affected.id: AffectedAssetView(affected, asset) for affected, asset in rows}
    if not views:
        return []
    ids = list(views)
    ports: dict[int, list[AffectedAssetPort]] = defaultdict(list)
    evidence: dict[int, list[Evidence]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for port in session.scalars(select(AffectedAssetPort).where(AffectedAssetPort.affected_asset_id.in_(chunk))):
            ports[port.affected_asset_id].append(port)
        for item in session.scalars(
            select(Evidence).where(Evidence.affected_asset_id.in_(chunk)).order_by(Evidence.created_at, Evidence.id)
        ):
            evidence[item.affected_asset_id].append(item)
    for affected_id, view in views.items():
        view.ports = ports[affected_id]
        view.evidence = evidence[affected_id]
    return list(views.values())
