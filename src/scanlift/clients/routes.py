"""PlexTrac's client, report and client-asset routes (api-notes §5)."""

from __future__ import annotations

from fastapi import APIRouter

from scanlift.clients import service, views
from scanlift.clients.schemas import (
    AssignMessage,
    ClientAssetObject,
    ClientCreate,
    ClientCreated,
    ClientObject,
    ClientRow,
    ReportCreate,
    ReportCreated,
    ReportObject,
    ReportRow,
)
from scanlift.deps import Editor, Reader, SessionDep
from scanlift.schemas import AUTHENTICATED, AUTHORIZED, PathId, PathText, error_responses

router = APIRouter(tags=["clients"])


@router.post("/api/v1/client/create", responses=error_responses(400, *AUTHORIZED))
def create_client(body: ClientCreate, user: Editor, session: SessionDep) -> ClientCreated:
    """Create a client in the caller's tenant."""
    client = service.create_client(session, user, **body.model_dump())
    session.commit()
    return ClientCreated(
        status="success",
        client_id=client.id,
        assign_message=AssignMessage(status="complete", users_assigned=[user.email], users_rejected=[]),
    )


@router.get("/api/v1/client/list", responses=error_responses(*AUTHENTICATED))
def list_clients(user: Reader, session: SessionDep) -> list[ClientRow]:
    return [views.client_row(c) for c in service.list_clients(session, user)]


@router.get("/api/v1/client/{client_id}", responses=error_responses(400, 404, *AUTHENTICATED))
def get_client(client_id: PathId, user: Reader, session: SessionDep) -> ClientObject:
    return views.client_object(service.get_client(session, user, client_id))


@router.post("/api/v1/client/{client_id}/report/create", responses=error_responses(400, 404, *AUTHORIZED))
def create_report(client_id: PathId, body: ReportCreate, user: Editor, session: SessionDep) -> ReportCreated:
    client = service.get_client(session, user, client_id)
    fields = body.model_dump()
    fields["include_evidence"] = fields.pop("includeEvidence")
    report = service.create_report(session, client, **fields)
    session.commit()
    return ReportCreated(message="success", doc_id=f"report_{report.id}_client_{client.id}", report_id=report.id)


@router.get("/api/v1/client/{client_id}/reports", responses=error_responses(400, 404, *AUTHENTICATED))
def list_reports(client_id: PathId, user: Reader, session: SessionDep) -> list[ReportRow]:
    client = service.get_client(session, user, client_id)
    return [views.report_row(report, count) for report, count in service.list_reports(session, client)]


@router.get("/api/v1/client/{client_id}/report/{report_id}", responses=error_responses(400, 404, *AUTHENTICATED))
def get_report(client_id: PathId, report_id: PathId, user: Reader, session: SessionDep) -> ReportObject:
    return views.report_object(service.get_report(session, user, client_id, report_id))


@router.get("/api/v1/client/{client_id}/assets", responses=error_responses(400, 404, *AUTHENTICATED))
def list_assets(client_id: PathId, user: Reader, session: SessionDep) -> list[ClientAssetObject]:
    client = service.get_client(session, user, client_id)
    assets = service.list_assets(session, client)
    ports = service.ports_by_asset(session, [a.id for a in assets])
    return [views.asset_object(asset, ports[asset.id]) for asset in assets]


@router.get("/api/v1/client/{client_id}/asset/{asset_id}", responses=error_responses(400, 404, *AUTHENTICATED))
def get_asset(client_id: PathId, asset_id: PathText, user: Reader, session: SessionDep) -> ClientAssetObject:
    client = service.get_client(session, user, client_id)
    asset = service.get_asset(session, client, asset_id)
    return views.asset_object(asset, service.ports_by_asset(session, [asset.id])[asset.id])
