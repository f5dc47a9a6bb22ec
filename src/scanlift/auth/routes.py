"""PlexTrac's login routes: /api/v1/authenticate (with its MFA step), token refresh, logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request

from scanlift.auth.addresses import client_address
from scanlift.auth.models import User
from scanlift.auth.schemas import Credentials, MfaChallengeResponse, MfaLogin, StatusMessage, TokenResponse
from scanlift.auth.security import TokenClaims, issue_token
from scanlift.auth.service import authenticate
from scanlift.auth.sessions import Throttle, complete_challenge, revoke_token, start_challenge
from scanlift.deps import AccountUser, RuntimeDep, SessionDep, TokenClaimsDep
from scanlift.runtime import Runtime
from scanlift.schemas import AUTHENTICATED, error_responses

router = APIRouter(tags=["auth"])


def _token_response(user: User, runtime: Runtime) -> TokenResponse:
    token = issue_token(
        TokenClaims(user_id=user.id, tenant_id=user.tenant_id, username=user.email, generation=user.token_generation),
        secret=runtime.secret,
        ttl_seconds=runtime.settings.token_ttl_seconds,
    )
    return TokenResponse(tenant_id=user.tenant_id, token=token, cookie=token)


def _throttle(request: Request, runtime: Runtime) -> Throttle:
    settings = runtime.settings
    return Throttle(
        max_failures_per_minute=settings.login_failures_per_minute,
        address=client_address(request, settings.trusted_proxies),
        max_failures_per_address=settings.login_failures_per_address_per_minute,
    )


@router.post(
    "/api/v1/authenticate",
    response_model=TokenResponse | MfaChallengeResponse,
    responses=error_responses(400, 401, 429, 503),
)
def login(credentials: Credentials, request: Request, runtime: RuntimeDep) -> TokenResponse | MfaChallengeResponse:
    """Exchange a user name (email) and password for a JWT; for a user with two-factor on, for
    the ``code`` to send with a TOTP code to /api/v1/authenticate/mfa instead."""
    throttle = _throttle(request, runtime)
    user = authenticate(
        runtime.db,
        credentials.username,
        credentials.password,
        max_failures_per_minute=throttle.max_failures_per_minute,
        address=throttle.address,
        max_failures_per_address=throttle.max_failures_per_address,
    )
    if user.mfa_enabled:
        return MfaChallengeResponse(code=start_challenge(runtime.db, user))
    return _token_response(user, runtime)


@router.post("/api/v1/authenticate/mfa", response_model=TokenResponse, responses=error_responses(400, 401, 429, 503))
def login_mfa(body: MfaLogin, request: Request, runtime: RuntimeDep) -> TokenResponse:
    """The second step of a two-factor login: the login's ``code`` and the 6-digit TOTP ``token``.
    A code is good for one success, within 5 minutes."""
    user = complete_challenge(runtime.db, body.code, body.token, _throttle(request, runtime))
    return _token_response(user, runtime)


@router.put("/api/v1/token/refresh", response_model=TokenResponse, responses=error_responses(400, *AUTHENTICATED))
# The same operation under the path older PlexTrac scripts use; documented once, as /api/v1/token/refresh.
@router.put("/api/v1/authenticate", response_model=TokenResponse, include_in_schema=False)
def refresh(
    user: AccountUser, runtime: RuntimeDep, _body: Annotated[dict[str, object] | None, Body()] = None
) -> TokenResponse:
    """Renew a still-valid token for another full lifetime."""
    return _token_response(user, runtime)


@router.post("/api/v1/logout", response_model=StatusMessage, responses=error_responses(*AUTHENTICATED))
def logout(user: AccountUser, claims: TokenClaimsDep, session: SessionDep) -> StatusMessage:
    """Revoke the token this request carries; the user's other tokens stay valid."""
    revoke_token(session, claims)
    session.commit()
    return StatusMessage(message=f"logged out {user.email}")
