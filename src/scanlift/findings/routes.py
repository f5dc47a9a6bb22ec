"""Read routes for a report's findings (PlexTrac's /flaws and /flaw/{flawId})."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from scanlift.clients.service import get_report
from scanlift.deps import CurrentUser, SessionDep
from scanlift.findings import service, views

router = APIRouter(tags=["findings"])


@router.get("/api/v1/client/{client_id}/report/{report_id}/flaws")
def list_findings(client_id: int, report_id: int, user: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    report = get_report(session, user, client_id, report_id)
    return [views.finding_row(f) for f in service.list_findings(session, report)]


@router.get("/api/v1/client/{client_id}/report/{report_id}/flaw/{flaw_id:path}")
def get_finding(client_id: int, report_id: int, flaw_id: str, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    report = get_report(session, user, client_id, report_id)
    finding = service.get_finding(session, report, flaw_id)
    return views.finding_object(finding, service.affected_assets(session, finding))
