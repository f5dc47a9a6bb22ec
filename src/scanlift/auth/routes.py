"""PlexTrac's login routes: /api/v1/authenticate and token refresh."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request

from scanlift.auth.addresses import client_address
from scanlift.auth.models import User
from scanlift.auth.schemas import Credentials, TokenResponse
from scanlift.auth.security import TokenClaims, issue_token
from scanlift.auth.service import authenticate
from scanlift.deps import CurrentUser, RuntimeDep
from scanlift.runtime import Runtime
from scanlift.schemas import AUTHENTICATED, error_responses

router = APIRouter(tags=["auth"])


def _token_response(user: User, runtime: Runtime) -> TokenResponse:
    token = issue_token(
        TokenClaims(user_id=user.id, tenant_id=user.tenant_id, username=user.email),
        secret=runtime.secret,
        ttl_seconds=runtime.settings.token_ttl_seconds,
    )
    return TokenResponse(tenant_id=user.tenant_id, token=token, cookie=token)


@router.post("/api/v1/authenticate", response_model=TokenResponse, responses=error_responses(400, 401, 429, 503))
def login(credentials: Credentials, request: Request, runtime: RuntimeDep) -> TokenResponse:
    """Exchange a user name (email) and password for a JWT."""
    settings = runtime.settings
    user = authenticate(
        runtime.db,
        credentials.username,
        credentials.password,
        max_failures_per_minute=settings.login_failures_per_minute,
        address=client_address(request, settings.trusted_proxies),
        max_failures_per_address=settings.login_failures_per_address_per_minute,
    )
    return _token_response(user, runtime)


@router.put("/api/v1/token/refresh", response_model=TokenResponse, responses=error_responses(400, *AUTHENTICATED))
# The same operation under the path older PlexTrac scripts use; documented once, as /api/v1/token/refresh.
@router.put("/api/v1/authenticate", response_model=TokenResponse, include_in_schema=False)
def refresh(
    user: CurrentUser, runtime: RuntimeDep, _body: Annotated[dict[str, object] | None, Body()] = None
) -> TokenResponse:
    """Renew a still-valid token for another full lifetime."""
    return _token_response(user, runtime)
