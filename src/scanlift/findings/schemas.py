"""Response bodies of the finding routes: the /flaws row and the Finding object (api-notes §4.1-4.2)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from scanlift.parsers.base import Severity
from scanlift.schemas import PortsMap, ResponseModel

#: PlexTrac's flaw id: an integer, or text for tools whose ids are not numbers (an OpenVAS OID).
FlawId = int | str


class FindingRow(ResponseModel):
    """A row of /flaws. ``data`` is ``[flaw_id, severity, title, status, updatedAt (ms), null,
    createdAt (ms), null, null, null, visibility]``."""

    id: FlawId
    doc_id: list[FlawId]
    data: tuple[FlawId, Severity, str, str, int, None, int, None, None, None, str]


class CveEntry(ResponseModel):
    name: str = Field(examples=["CVE-2021-44228"])
    year: int
    id: int
    link: str


class CweEntry(ResponseModel):
    name: str = Field(examples=["CWE-79"])
    id: int
    link: str


class CommonIdentifiers(ResponseModel):
    CVE: list[CveEntry]
    CWE: list[CweEntry]


class ScoreValue(ResponseModel):
    """One entry of ``risk_score``, keyed by its kind: CVSS2, CVSS3, CVSS3_1 or CVSS4."""

    overall: str = Field(examples=["9.8"])
    vector: str


class FieldValue(ResponseModel):
    """One PlexTrac custom field, keyed by its label in lower case with underscores."""

    label: str
    value: str


class EvidenceItem(ResponseModel):
    id: str
    caption: str
    code: str


class AffectedAssetObject(ResponseModel):
    id: str
    asset: str
    status: str = Field(examples=["Open"])
    ports: PortsMap
    locationUrl: str
    vulnerableParameters: list[str]
    notes: str
    evidence: list[EvidenceItem]
    createdAt: int = Field(description="Milliseconds since the epoch.")


class FindingObject(ResponseModel):
    flaw_id: FlawId
    id: FlawId
    doc_type: Literal["flaw"]
    client_id: int
    report_id: int
    title: str
    severity: Severity
    status: str = Field(examples=["Open"])
    subStatus: str | None
    visibility: str = Field(examples=["draft"])
    source: str
    description: str
    recommendations: str
    references: str
    tags: list[str]
    common_identifiers: CommonIdentifiers
    risk_score: dict[str, ScoreValue]
    fields: dict[str, FieldValue]
    affected_assets: dict[str, AffectedAssetObject] = Field(description="Keyed by client asset id.")
    exhibits: list[dict[str, Any]] = Field(description="PlexTrac's exhibits; imports attach none, so it is empty.")
    assignedTo: str | None
    createdAt: int = Field(description="Milliseconds since the epoch.")
    last_update: int = Field(description="Milliseconds since the epoch.")
    updatedAt: int = Field(description="Milliseconds since the epoch.")
    closedAt: int | None
