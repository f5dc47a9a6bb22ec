"""PlexTrac's client, report and client-asset routes (api-notes §5)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from scanlift.clients import service, views
from scanlift.deps import CurrentUser, SessionDep

router = APIRouter(tags=["clients"])


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=500)
    description: str = ""
    poc: str = ""
    poc_email: str = ""
    tags: list[str] = []


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=500)
    description: str = ""
    status: str = "Draft"
    start_date: str | None = None
    end_date: str | None = None
    tags: list[str] = []
    includeEvidence: bool = False


@router.post("/api/v1/client/create")
def create_client(body: ClientCreate, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """Create a client in the caller's tenant."""
    client = service.create_client(session, user, **body.model_dump())
    session.commit()
    return {
        "status": "success",
        "client_id": client.id,
        "assign_message": {"status": "complete", "users_assigned": [user.email], "users_rejected": []},
    }


@router.get("/api/v1/client/list")
def list_clients(user: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    return [views.client_row(c) for c in service.list_clients(session, user)]


@router.get("/api/v1/client/{client_id}")
def get_client(client_id: int, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    return views.client_object(service.get_client(session, user, client_id))


@router.post("/api/v1/client/{client_id}/report/create")
def create_report(client_id: int, body: ReportCreate, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    client = service.get_client(session, user, client_id)
    fields = body.model_dump()
    fields["include_evidence"] = fields.pop("includeEvidence")
    report = service.create_report(session, client, **fields)
    session.commit()
    return {"message": "success", "doc_id": f"report_{report.id}_client_{client.id}", "report_id": report.id}


@router.get("/api/v1/client/{client_id}/reports")
def list_reports(client_id: int, user: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    client = service.get_client(session, user, client_id)
    return [views.report_row(report, count) for report, count in service.list_reports(session, client)]


@router.get("/api/v1/client/{client_id}/report/{report_id}")
def get_report(client_id: int, report_id: int, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    return views.report_object(service.get_report(session, user, client_id, report_id))


@router.get("/api/v1/client/{client_id}/assets")
def list_assets(client_id: int, user: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    client = service.get_client(session, user, client_id)
    assets = service.list_assets(session, client)
    ports = service.ports_by_asset(session, [a.id for a in assets])
    return [views.asset_object(asset, ports[asset.id]) for asset in assets]


@router.get("/api/v1/client/{client_id}/asset/{asset_id}")
def get_asset(client_id: int, asset_id: str, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    client = service.get_client(session, user, client_id)
    asset = service.get_asset(session, client, asset_id)
    return views.asset_object(asset, service.ports_by_asset(session, [asset.id])[asset.id])
