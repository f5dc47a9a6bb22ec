"""Request and response bodies of the login routes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, StringConstraints

from scanlift.schemas import DbText, ResponseModel, valid_unicode

#: An email address is at most 320 characters (RFC 5321); nothing longer is a user name.
MAX_USERNAME_CHARS = 320
#: Long passphrases are welcome; megabytes of "password" only cost hashing time and memory.
MAX_PASSWORD_CHARS = 1024


class Credentials(BaseModel):
    username: Annotated[DbText, StringConstraints(max_length=MAX_USERNAME_CHARS)]
    password: Annotated[str, StringConstraints(max_length=MAX_PASSWORD_CHARS), AfterValidator(valid_unicode)]


class TokenResponse(ResponseModel):
    status: Literal["success"] = "success"
    tenant_id: int
    token: str
    #: The same token, for clients that send it as a cookie.
    cookie: str
