"""One's own account: who am I, two-factor setup (PlexTrac's /api/v2/user/mfa/qr), password."""

from __future__ import annotations

from fastapi import APIRouter

from scanlift.auth import accounts, totp
from scanlift.auth.schemas import MfaActivate, MfaSetup, PasswordChange, StatusMessage, UserObject
from scanlift.deps import AccountUser, SessionDep
from scanlift.schemas import AUTHENTICATED, error_responses

router = APIRouter(tags=["account"])


@router.get("/api/v1/user/whoami", response_model=UserObject, responses=error_responses(*AUTHENTICATED))
def whoami(user: AccountUser, session: SessionDep) -> UserObject:
    """The caller's own user: role, grants, whether two-factor is on."""
    return accounts.user_object(session, user)


@router.get("/api/v2/user/mfa/qr", response_model=MfaSetup, responses=error_responses(409, *AUTHENTICATED))
def mfa_setup(user: AccountUser, session: SessionDep) -> MfaSetup:
    """A new TOTP secret and its ``otpauth://`` URI (show it as a QR code). Two-factor is on only
    once /api/v2/user/mfa/qr/activate gets a code from it; each call replaces the pending secret."""
    secret = accounts.begin_mfa_setup(user)
    session.commit()
    return MfaSetup(secret=secret, otpauth_uri=totp.provisioning_uri(secret, user.email))


@router.post(
    "/api/v2/user/mfa/qr/activate", response_model=StatusMessage, responses=error_responses(400, 409, *AUTHENTICATED)
)
def mfa_activate(body: MfaActivate, user: AccountUser, session: SessionDep) -> StatusMessage:
    """Turn two-factor on with a current code from the pending secret; from then on a password
    login answers with a ``code`` for /api/v1/authenticate/mfa instead of a token."""
    accounts.activate_mfa(user, body.code)
    session.commit()
    return StatusMessage(message="two-factor authentication is on")


@router.put("/api/v1/user/password", response_model=StatusMessage, responses=error_responses(400, *AUTHENTICATED))
def change_password(body: PasswordChange, user: AccountUser, session: SessionDep) -> StatusMessage:
    """Change one's own password; every token issued before, this one included, stops working."""
    accounts.change_own_password(user, body.current_password, body.new_password)
    session.commit()
    return StatusMessage(message="password changed; authenticate again")
