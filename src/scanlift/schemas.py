"""Pieces of the API contract that every feature shares: the error body, ports, and health.

Each feature's own request and response models live in ``<feature>/schemas.py``. Response models
derive from ``ResponseModel``: every field is always present in the JSON, so every field is
required in the OpenAPI document, defaults included.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints


class ResponseModel(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class ErrorBody(BaseModel):
    """The one error shape of every route (``app._error_body``)."""

    model_config = ConfigDict(extra="allow")

    status: Literal["error"]
    message: str = Field(description="What went wrong, readable as it is.")


_ERROR_DESCRIPTIONS = {
    400: "Invalid request: a parameter or the body is malformed, or names something unusable.",
    401: "The Authorization header is missing, or its token is invalid or expired.",
    403: "Refused: the caller's role does not allow this; or the upload URL's signature is wrong or expired, "
    "the key was issued to someone else, or the upload was imported already and can no longer be replaced.",
    404: "Not found, or not visible to the caller's tenant.",
    409: "Conflict: the upload key was imported already (each key is imported once).",
    413: "The request body or file is over its size limit.",
    429: "Too many failed logins for this user name; retry after the Retry-After header's seconds.",
    503: "The database or object store is unavailable; retry after the Retry-After header's seconds.",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status answered with ``ErrorBody``."""
    return {code: {"model": ErrorBody, "description": _ERROR_DESCRIPTIONS[code]} for code in codes}


#: The errors of an authenticated route that reads the database.
AUTHENTICATED = (401, 503)
#: The same, for a route that some roles may not use (a 403 for them).
AUTHORIZED = (401, 403, 503)


#: The largest id a client or report can have: they are INTEGER columns, 32-bit on PostgreSQL.
#: A larger id in a URL is a 400, not a database error.
MAX_ID = 2**31 - 1

#: A numeric id in a URL path: a client's or a report's.
PathId = Annotated[int, Path(ge=0, le=MAX_ID)]

#: Text that every database can store or look up: no NUL character (PostgreSQL refuses it), and
#: valid Unicode (a JSON string may hold a lone surrogate, which no database encoding accepts).
DB_TEXT_PATTERN = r"^[^\x00]*$"


def valid_unicode(text: str) -> str:
    """Refuse a lone surrogate, which JSON can carry but no database, hash or encoder accepts."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (it holds a lone surrogate)") from None
    return text


DbText = Annotated[str, StringConstraints(pattern=DB_TEXT_PATTERN), AfterValidator(valid_unicode)]
#: The same, for a text id in a URL path.
PathText = Annotated[str, Path(pattern=DB_TEXT_PATTERN)]


class PortObject(ResponseModel):
    """One entry of PlexTrac's ports map."""

    number: str = Field(examples=["443"])
    protocol: str = Field(examples=["tcp"])
    service: str = Field(examples=["https"])
    version: str


#: PlexTrac's ports map, keyed by number ("443"), or by number and protocol for non-TCP ("53/udp").
PortsMap = dict[str, PortObject]


class LabelValue(ResponseModel):
    """An entry of PlexTrac's ``custom_field`` list."""

    label: str
    value: str


class ApiRoot(ResponseModel):
    text: str


class Liveness(ResponseModel):
    status: Literal["ok"]


class ReadinessChecks(ResponseModel):
    """ "ok", or "error: <reason>" for each dependency."""

    database: str
    storage: str
    broker: str


class Readiness(ResponseModel):
    status: Literal["ok", "unavailable"]
    checks: ReadinessChecks
