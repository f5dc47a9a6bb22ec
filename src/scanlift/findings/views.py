"""Findings in PlexTrac's shapes: the list row and the full Finding object (api-notes §4.1-4.2)."""

from __future__ import annotations

from scanlift.findings.models import Finding
from scanlift.findings.schemas import (
    AffectedAssetObject,
    CommonIdentifiers,
    EvidenceItem,
    FindingObject,
    FindingRow,
)
from scanlift.findings.service import AffectedAssetView
from scanlift.parsers.base import Severity
from scanlift.views import epoch_ms, flaw_id_value, ports_map, same_named

# The Finding object's fields sent as the finding row stores them; finding_object converts the others.
_FINDING_AS_STORED = (
    "client_id",
    "report_id",
    "title",
    "status",
    "visibility",
    "source",
    "description",
    "recommendations",
    "references",
    "tags",
    "risk_score",
    "fields",
)


def finding_row(finding: Finding) -> FindingRow:
    flaw_id = flaw_id_value(finding.flaw_id)
    data = (
        flaw_id,
        Severity(finding.severity),
        finding.title,
        finding.status,
        epoch_ms(finding.updated_at),
        None,
        epoch_ms(finding.created_at),
        None,
        None,
        None,
        finding.visibility,
    )
    return FindingRow(id=flaw_id, doc_id=[flaw_id], data=data)


def affected_asset_object(view: AffectedAssetView) -> AffectedAssetObject:
    return AffectedAssetObject(
        id=view.asset.id,
        asset=view.asset.asset,
        status=view.affected.status,
        ports=ports_map(view.ports),
        locationUrl=view.affected.location_url,
        vulnerableParameters=view.affected.vulnerable_parameters,
        notes=view.affected.notes,
        evidence=[EvidenceItem(id=e.id, caption=e.caption, code=e.code) for e in view.evidence],
        createdAt=epoch_ms(view.affected.created_at),
    )


def finding_object(finding: Finding, affected: list[AffectedAssetView]) -> FindingObject:
    flaw_id = flaw_id_value(finding.flaw_id)
    return FindingObject(
        **same_named(finding, *_FINDING_AS_STORED),
        flaw_id=flaw_id,
        id=flaw_id,
        doc_type="flaw",
        severity=Severity(finding.severity),
        subStatus=None,
        common_identifiers=CommonIdentifiers.model_validate(finding.common_identifiers),
        affected_assets={view.asset.id: affected_asset_object(view) for view in affected},
        exhibits=[],
        assignedTo=None,
        createdAt=epoch_ms(finding.created_at),
        last_update=epoch_ms(finding.updated_at),
        updatedAt=epoch_ms(finding.updated_at),
        closedAt=None,
    )
