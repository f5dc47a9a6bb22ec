"""FastAPI dependencies, as Annotated aliases that read like types."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from scanlift.auth.models import User
from scanlift.auth.security import InvalidToken, read_token
from scanlift.errors import Unauthorized
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


def get_current_user(
    authorization: Annotated[str | None, Security(TOKEN_HEADER)], runtime: RuntimeDep, session: SessionDep
) -> User:
    try:
        claims = read_token(bearer_token(authorization), secret=runtime.secret)
    except InvalidToken as exc:
        raise Unauthorized(str(exc)) from None
    user = session.get(User, claims.user_id)
    if user is None or user.tenant_id != claims.tenant_id:
        raise Unauthorized("the token's user no longer exists")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
