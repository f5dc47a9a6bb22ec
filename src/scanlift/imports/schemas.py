"""Request and response bodies of step 3 (preuploaded-import), step 4 (my-imports) and asset imports."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from scanlift.jobs.models import JobStatus
from scanlift.schemas import DbText, ResponseModel


class PreuploadedImport(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    key: DbText = Field(min_length=1, description="The key from /api/v2/presigned-url, once the file is uploaded.")
    file_name: DbText = Field(default="", alias="fileName")
    tags: str | dict[str, Any] | None = Field(
        default=None,
        description='Tags for the imported assets and findings: {"assets": [...], "findings": [...]}, '
        "as an object or as a JSON string (PlexTrac sends a string).",
    )
    use_parser_actions: bool = Field(default=False, alias="useParserActions")


class AssetImport(BaseModel):
    """The JSON form of an asset import: a file already uploaded through /api/v2/presigned-url."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    key: DbText = Field(min_length=1)
    file_name: DbText = Field(default="", alias="fileName")


class ImportJobObject(ResponseModel):
    """PlexTrac's importJob, as its file-import deprecation page shows it."""

    id: str = Field(description="The operationId.")
    user_id: int
    user_email: str
    tenant_id: int
    client_id: int
    report_id: int | None = Field(description="Null for an asset import.")
    source: str
    file_location: str
    original_filename: str
    file_type: str
    file_size: str = Field(description="Bytes, as a decimal string (a bigint in PlexTrac).", examples=["1048576"])
    parser_actions_enabled: bool
    processed_bytes: str = Field(description="Bytes, as a decimal string.", examples=["0"])
    processed_findings: int
    processed_assets: int
    processed_finding_assets: int
    processed_evidence: int
    asset_tags: list[str]
    finding_tags: list[str]
    created_at: str = Field(examples=["2025-05-15T16:02:00.232Z"])
    last_updated_at: str = Field(examples=["2025-05-15T16:02:00.232Z"])
    failure_notified_at: str | None
    status: JobStatus
    error_status: str | None = Field(description="Why the import failed, when status is ERROR.")
    progress: int = Field(description="Percent of the file processed.")
    attempts: int


class ImportQueued(ResponseModel):
    status: Literal["success"]
    operationId: str
    importJob: ImportJobObject


class MyImportsRow(ResponseModel):
    key: str = Field(description="The import's operationId.")
    name: str
    reportName: str = Field(description="Empty for an asset import.")
    clientName: str
    fileSize: str = Field(description="Bytes, as a decimal string.")
    status: JobStatus
    progress: int
    errorStatus: str | None
    source: str


def _asset_import_body() -> dict[str, Any]:
    file_part = {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}, "required": ["file"]}
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {"schema": file_part},
                "application/json": {"schema": AssetImport.model_json_schema(by_alias=True)},
            },
        }
    }


#: The asset-import handler reads its body itself, so FastAPI cannot describe it: an Nmap XML file as
#: multipart field ``file`` (as PlexTrac's route takes it), or JSON naming an uploaded file.
ASSET_IMPORT_BODY = _asset_import_body()
