"""Read routes for a report's findings (PlexTrac's /flaws and /flaw/{flawId})."""

from __future__ import annotations

from fastapi import APIRouter

from scanlift.clients.service import get_report
from scanlift.deps import Reader, SessionDep
from scanlift.findings import service, views
from scanlift.findings.schemas import FindingObject, FindingRow
from scanlift.schemas import AUTHENTICATED, PathId, PathText, error_responses

router = APIRouter(tags=["findings"])


@router.get("/api/v1/client/{client_id}/report/{report_id}/flaws", responses=error_responses(400, 404, *AUTHENTICATED))
def list_findings(client_id: PathId, report_id: PathId, user: Reader, session: SessionDep) -> list[FindingRow]:
    report = get_report(session, user, client_id, report_id)
    return [views.finding_row(f) for f in service.list_findings(session, report)]


@router.get(
    "/api/v1/client/{client_id}/report/{report_id}/flaw/{flaw_id:path}",
    responses=error_responses(400, 404, *AUTHENTICATED),
)
def get_finding(
    client_id: PathId, report_id: PathId, flaw_id: PathText, user: Reader, session: SessionDep
) -> FindingObject:
    report = get_report(session, user, client_id, report_id)
    finding = service.get_finding(session, report, flaw_id)
    return views.finding_object(finding, service.affected_assets(session, finding))
