"""Request and response bodies of the login routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from scanlift.schemas import DbText, ResponseModel


class Credentials(BaseModel):
    username: DbText
    password: str


class TokenResponse(ResponseModel):
    status: Literal["success"] = "success"
    tenant_id: int
    token: str
    #: The same token, for clients that send it as a cookie.
    cookie: str
