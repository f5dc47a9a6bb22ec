"""Request and response bodies of the login, account and user-admin routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, StringConstraints

from scanlift.auth.roles import Role
from scanlift.auth.security import MIN_PASSWORD_CHARS
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


class MfaChallengeResponse(ResponseModel):
    """A password login of a user with two-factor on: no token yet; send ``code`` with a TOTP
    code to /api/v1/authenticate/mfa."""

    status: Literal["success"] = "success"
    mfa_enabled: Literal[True] = True
    code: str


#: A 6-digit TOTP code.
TotpCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]


class MfaLogin(BaseModel):
    #: The ``code`` of the login answer.
    code: Annotated[str, StringConstraints(max_length=200)]
    #: The 6-digit code of the authenticator app.
    token: TotpCode


class MfaSetup(ResponseModel):
    status: Literal["success"] = "success"
    #: The TOTP secret, base32, for apps that take it typed in.
    secret: str
    #: The ``otpauth://totp/...`` URI to render as a QR code.
    otpauth_uri: str


class MfaActivate(BaseModel):
    #: A current 6-digit code of the authenticator app, proving it holds the secret.
    code: TotpCode


class StatusMessage(ResponseModel):
    status: Literal["success"] = "success"
    message: str


Password = Annotated[
    str, StringConstraints(min_length=MIN_PASSWORD_CHARS, max_length=MAX_PASSWORD_CHARS), AfterValidator(valid_unicode)
]
Email = Annotated[DbText, StringConstraints(max_length=MAX_USERNAME_CHARS, pattern=r"^[^@\s\x00]+@[^@\s\x00]+$")]
Name = Annotated[DbText, StringConstraints(max_length=100)]


class UserCreate(BaseModel):
    email: Email
    password: Password
    role: Role = Role.ANALYST
    first_name: Name = ""
    last_name: Name = ""


class UserUpdate(BaseModel):
    """Only the fields sent change."""

    role: Role | None = None
    first_name: Name | None = None
    last_name: Name | None = None


class PasswordReset(BaseModel):
    password: Password


class PasswordChange(BaseModel):
    current_password: Annotated[str, StringConstraints(max_length=MAX_PASSWORD_CHARS), AfterValidator(valid_unicode)]
    new_password: Password


class UserObject(ResponseModel):
    id: int
    tenant_id: int
    email: str
    first_name: str
    last_name: str
    role: Role
    disabled: bool
    mfa_enabled: bool
    #: The clients granted to the user (an administrator sees every client of the tenant anyway).
    clients: list[int]
    created_at: datetime
