"""Administrators manage their tenant's users and client grants, under PlexTrac's
/api/v1/tenant/{tenantId}/user... paths. Another tenant, or a user of one, is a 404."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter
from sqlalchemy.orm import Session

from scanlift.auth import accounts
from scanlift.auth.models import User
from scanlift.auth.schemas import PasswordReset, StatusMessage, UserCreate, UserObject, UserUpdate
from scanlift.auth.service import create_user
from scanlift.clients import service as clients
from scanlift.clients.models import Client
from scanlift.deps import SessionDep, UserAdmin
from scanlift.schemas import AUTHORIZED, PathId, error_responses

router = APIRouter(tags=["users"])

_USER = "/api/v1/tenant/{tenant_id}/user/{user_id}"
_ERRORS = error_responses(400, 404, *AUTHORIZED)


@router.get("/api/v1/tenant/{tenant_id}/user/list", response_model=list[UserObject], responses=_ERRORS)
def list_users(tenant_id: PathId, admin: UserAdmin, session: SessionDep) -> list[UserObject]:
    return [accounts.user_object(session, user) for user in accounts.list_users(session, admin, tenant_id)]


@router.post(
    "/api/v1/tenant/{tenant_id}/user/create",
    response_model=UserObject,
    responses=error_responses(400, 404, 409, *AUTHORIZED),
)
def create(tenant_id: PathId, body: UserCreate, admin: UserAdmin, session: SessionDep) -> UserObject:
    """Add a user to the tenant; an analyst or viewer sees no client until granted one."""
    accounts.check_tenant(admin, tenant_id)
    user = create_user(session, tenant_id=tenant_id, **body.model_dump())
    session.commit()
    return accounts.user_object(session, user)


@router.get(_USER, response_model=UserObject, responses=_ERRORS)
def get_user(tenant_id: PathId, user_id: PathId, admin: UserAdmin, session: SessionDep) -> UserObject:
    return accounts.user_object(session, accounts.tenant_user(session, admin, tenant_id, user_id))


def _change_user(
    session: Session, admin: User, tenant_id: int, user_id: int, change: Callable[[User], object]
) -> UserObject:
    """Apply ``change`` to a user of the administrator's tenant and commit; the user as it now stands.

    The user is looked up before ``change`` runs, so an unknown tenant or user is the 404 whatever
    else the change would have refused.
    """
    user = accounts.tenant_user(session, admin, tenant_id, user_id)
    change(user)
    session.commit()
    return accounts.user_object(session, user)


@router.put(_USER, response_model=UserObject, responses=error_responses(400, 404, 409, *AUTHORIZED))
def update_user(
    tenant_id: PathId, user_id: PathId, body: UserUpdate, admin: UserAdmin, session: SessionDep
) -> UserObject:
    """Change the role or name; only the fields sent change."""
    return _change_user(session, admin, tenant_id, user_id, lambda user: accounts.update_user(admin, user, body))


@router.put(f"{_USER}/disable", response_model=UserObject, responses=error_responses(400, 404, 409, *AUTHORIZED))
def disable_user(tenant_id: PathId, user_id: PathId, admin: UserAdmin, session: SessionDep) -> UserObject:
    """The user can no longer log in, and every token they hold stops working."""
    return _change_user(
        session, admin, tenant_id, user_id, lambda user: accounts.set_disabled(admin, user, disabled=True)
    )


@router.put(f"{_USER}/enable", response_model=UserObject, responses=_ERRORS)
def enable_user(tenant_id: PathId, user_id: PathId, admin: UserAdmin, session: SessionDep) -> UserObject:
    return _change_user(
        session, admin, tenant_id, user_id, lambda user: accounts.set_disabled(admin, user, disabled=False)
    )


@router.put(f"{_USER}/password", response_model=StatusMessage, responses=_ERRORS)
def reset_password(
    tenant_id: PathId, user_id: PathId, body: PasswordReset, admin: UserAdmin, session: SessionDep
) -> StatusMessage:
    """Set a new password; every token the user holds stops working."""
    user = accounts.tenant_user(session, admin, tenant_id, user_id)
    accounts.set_password(user, body.password)
    session.commit()
    return StatusMessage(message=f"password of {user.email} reset")


@router.put(f"{_USER}/mfa/disable", response_model=UserObject, responses=_ERRORS)
def disable_mfa(tenant_id: PathId, user_id: PathId, admin: UserAdmin, session: SessionDep) -> UserObject:
    """Turn the user's two-factor off (a lost device); they may set it up again."""
    return _change_user(session, admin, tenant_id, user_id, accounts.disable_mfa)


def _change_grant(
    session: Session,
    admin: User,
    tenant_id: int,
    user_id: int,
    client_id: int,
    change: Callable[[Session, Client, User], object],
) -> UserObject:
    """Grant or revoke one client; a client the administrator cannot see is a 404, like a missing one."""
    return _change_user(
        session,
        admin,
        tenant_id,
        user_id,
        lambda user: change(session, clients.get_client(session, admin, client_id), user),
    )


@router.put(f"{_USER}/client/{{client_id}}", response_model=UserObject, responses=_ERRORS)
def grant_client(
    tenant_id: PathId, user_id: PathId, client_id: PathId, admin: UserAdmin, session: SessionDep
) -> UserObject:
    """Let the user see (and, as an analyst, import into) the client."""
    return _change_grant(session, admin, tenant_id, user_id, client_id, clients.grant)


@router.delete(f"{_USER}/client/{{client_id}}", response_model=UserObject, responses=_ERRORS)
def revoke_client(
    tenant_id: PathId, user_id: PathId, client_id: PathId, admin: UserAdmin, session: SessionDep
) -> UserObject:
    return _change_grant(session, admin, tenant_id, user_id, client_id, clients.revoke)
