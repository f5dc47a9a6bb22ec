"""Request and response bodies of the client, report and client-asset routes (api-notes §4.3, §4.5, §4.6, §5)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from scanlift.schemas import DbText, LabelValue, PortsMap, ResponseModel


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: DbText = Field(min_length=1, max_length=500)
    description: DbText = ""
    poc: DbText = ""
    poc_email: DbText = ""
    tags: list[DbText] = []


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: DbText = Field(min_length=1, max_length=500)
    description: DbText = ""
    status: DbText = "Draft"
    start_date: DbText | None = None
    end_date: DbText | None = None
    tags: list[DbText] = []
    includeEvidence: bool = False


class AssignMessage(ResponseModel):
    status: Literal["complete"]
    users_assigned: list[str]
    users_rejected: list[str]


class ClientCreated(ResponseModel):
    status: Literal["success"]
    client_id: int
    assign_message: AssignMessage


class ClientRow(ResponseModel):
    """A row of /client/list: ``data`` is ``[client_id, name, null]``."""

    id: str = Field(examples=["client_1254"])
    doc_id: list[int]
    data: tuple[int, str, None]


class ClientObject(ResponseModel):
    client_id: int
    id: int
    doc_type: Literal["client"]
    tenant_id: int
    name: str
    description: str
    poc: str
    poc_email: str
    tags: list[str]
    custom_field: list[LabelValue]
    createdAt: int = Field(description="Milliseconds since the epoch.")
    updatedAt: int = Field(description="Milliseconds since the epoch.")


class ReportCreated(ResponseModel):
    message: Literal["success"]
    doc_id: str = Field(examples=["report_500006_client_4155"])
    report_id: int


#: ``[id, name, null, status, findingsCount, operators, reviewers, createdAt (ms), start_date, end_date,
#: tags, reportTemplateName, findingsLayoutName]``, PlexTrac's positional report row.
ReportRowData = tuple[
    int, str, None, str, int, list[str], list[str], int, str | None, str | None, list[str], str | None, str | None
]


class ReportRow(ResponseModel):
    id: str = Field(examples=["report_500006"])
    doc_id: list[int]
    data: ReportRowData


class ReportObject(ResponseModel):
    id: int
    report_id: int
    client_id: int
    tenant_id: int
    doc_type: Literal["report"]
    reportType: Literal["default"]
    name: str
    description: str
    status: str = Field(examples=["Draft"])
    start_date: str | None
    end_date: str | None
    tags: list[str]
    custom_field: list[LabelValue]
    includeEvidence: bool
    createdAt: int = Field(description="Milliseconds since the epoch.")
    updatedAt: int = Field(description="Milliseconds since the epoch.")


class ClientAssetObject(ResponseModel):
    id: str
    asset: str
    client_id: int
    doc_type: Literal["client_asset"]
    type: str = Field(examples=["General"])
    description: str
    knownIps: list[str]
    hostname: str
    host_fqdn: str
    netbios_name: str
    mac_address: str
    operating_system: str
    ports: PortsMap
    tags: list[str]
    parent_asset: str | None
    child_assets: dict[str, Any] = Field(description="PlexTrac's child assets; scanlift keeps none, so it is empty.")
    createdAt: int = Field(description="Milliseconds since the epoch.")
    updatedAt: int = Field(description="Milliseconds since the epoch.")
