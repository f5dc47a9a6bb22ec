"""FastAPI dependencies, as Annotated aliases that read like types."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from scanlift.auth.models import RevokedToken, User
from scanlift.auth.roles import Permission, allows
from scanlift.auth.security import InvalidToken, TokenClaims, read_token
from scanlift.errors import Forbidden, Unauthorized
from scanlift.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    """A session per request. Handlers that write call ``session.commit()`` themselves, before
    they answer, so that a client never sees a success whose data is not yet visible."""
    with runtime.db.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


#: Declares the Authorization header in the OpenAPI document; checking it is ``get_current_user``'s.
TOKEN_HEADER = APIKeyHeader(
    name="Authorization",
    scheme_name="token",
    description="The token from /api/v1/authenticate, raw (as PlexTrac's scripts send it) or as `Bearer <token>`.",
    auto_error=False,
)


def bearer_token(authorization: str | None) -> str:
    """PlexTrac scripts send the raw token; others send ``Bearer <token>``. Both are accepted."""
    header = (authorization or "").strip()
    if not header:
        raise Unauthorized("missing Authorization header")
    scheme, _, rest = header.partition(" ")
    return rest.strip() if scheme.lower() == "bearer" and rest else header


def get_token_claims(authorization: Annotated[str | None, Security(TOKEN_HEADER)], runtime: RuntimeDep) -> TokenClaims:
    try:
        return read_token(bearer_token(authorization), secret=runtime.secret)
    except InvalidToken as exc:
        raise Unauthorized(str(exc)) from None


TokenClaimsDep = Annotated[TokenClaims, Depends(get_token_claims)]


def get_current_user(claims: TokenClaimsDep, session: SessionDep) -> User:
    """The token's user, if the token is still good: its user exists, is enabled, has not had all
    their tokens revoked since (``token_generation``), and this token was not logged out."""
    user = session.get(User, claims.user_id)
    if user is None or user.tenant_id != claims.tenant_id:
        raise Unauthorized("the token's user no longer exists")
    if user.disabled:
        raise Unauthorized("this account is disabled")
    if claims.generation != user.token_generation or session.get(RevokedToken, claims.jti) is not None:
        raise Unauthorized("the token was revoked; authenticate again")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require(permission: Permission) -> Callable[[User], User]:
    """A dependency that answers the current user if their role has ``permission``, else 403.

    A route declares its permission by the type of its user parameter (``user: Importer``), or
    with ``dependencies=[Depends(require(...))]``; tests/api/test_roles.py checks that every
    authenticated route declares one.
    """

    def check(user: CurrentUser) -> User:
        if not allows(user.role, permission):
            raise Forbidden(f"your role ({user.role}) does not allow this")
        return user

    check.permission = permission  # type: ignore[attr-defined]
    return check


#: The current user, allowed to look after their own session and account.
AccountUser = Annotated[User, Depends(require(Permission.ACCOUNT))]
#: The current user, allowed to read (every role).
Reader = Annotated[User, Depends(require(Permission.READ))]
#: The current user, allowed to create and edit clients and reports.
Editor = Annotated[User, Depends(require(Permission.EDIT))]
#: The current user, allowed to upload and import.
Importer = Annotated[User, Depends(require(Permission.IMPORT))]
#: The current user, an administrator of their tenant's users.
UserAdmin = Annotated[User, Depends(require(Permission.MANAGE_USERS))]
