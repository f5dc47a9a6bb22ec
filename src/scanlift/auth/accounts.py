"""Managing a tenant's users (administrators) and one's own account."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from scanlift.auth import totp
from scanlift.auth.models import User
from scanlift.auth.roles import Role
from scanlift.auth.schemas import UserObject, UserUpdate
from scanlift.auth.security import hash_password, verify_password
from scanlift.auth.sessions import revoke_all_tokens
from scanlift.clients.service import granted_client_ids
from scanlift.errors import BadRequest, Conflict, NotFound
from scanlift.views import same_named

# The user object's fields sent as the user row stores them (never the password hash or MFA secret).
_USER_AS_STORED = ("id", "tenant_id", "email", "first_name", "last_name", "disabled", "mfa_enabled", "created_at")


def check_tenant(admin: User, tenant_id: int) -> None:
    """An administrator manages their own tenant only; any other is a 404, as if it did not exist."""
    if tenant_id != admin.tenant_id:
        raise NotFound(f"tenant {tenant_id} not found")


def tenant_user(session: Session, admin: User, tenant_id: int, user_id: int) -> User:
    check_tenant(admin, tenant_id)
    user = session.get(User, user_id)
    if user is None or user.tenant_id != tenant_id:
        raise NotFound(f"user {user_id} not found")
    return user


def list_users(session: Session, admin: User, tenant_id: int) -> Sequence[User]:
    check_tenant(admin, tenant_id)
    return session.scalars(select(User).where(User.tenant_id == tenant_id).order_by(User.id)).all()


def user_object(session: Session, user: User) -> UserObject:
    return UserObject(
        **same_named(user, *_USER_AS_STORED),
        role=Role(user.role),
        clients=granted_client_ids(session, user),
    )


def update_user(admin: User, user: User, changes: UserUpdate) -> None:
    if changes.role is not None:
        if user.id == admin.id and changes.role is not Role.ADMINISTRATOR:
            raise Conflict("you cannot take away your own administrator role")
        user.role = changes.role.value
    if changes.first_name is not None:
        user.first_name = changes.first_name
    if changes.last_name is not None:
        user.last_name = changes.last_name


def set_disabled(admin: User, user: User, disabled: bool) -> None:
    """Disable (which ends every token of the user) or enable again."""
    if disabled and user.id == admin.id:
        raise Conflict("you cannot disable your own account")
    if disabled and not user.disabled:
        revoke_all_tokens(user)
    user.disabled = disabled


def set_password(user: User, password: str) -> None:
    """A new password; every token issued before it stops working."""
    user.password_hash = hash_password(password)
    revoke_all_tokens(user)


def change_own_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise BadRequest("the current password is wrong")
    set_password(user, new)


def disable_mfa(user: User) -> None:
    user.mfa_enabled = False
    user.mfa_secret = None


def begin_mfa_setup(user: User) -> str:
    """A new TOTP secret for the user, in force once activated with a code from it."""
    if user.mfa_enabled:
        raise Conflict("two-factor authentication is on already")
    user.mfa_secret = totp.new_secret()
    return user.mfa_secret


def activate_mfa(user: User, code: str) -> None:
    if user.mfa_enabled:
        raise Conflict("two-factor authentication is on already")
    if not user.mfa_secret:
        raise Conflict("get a secret from /api/v2/user/mfa/qr first")
    step = totp.matching_step(user.mfa_secret, code)
    if step is None:
        raise BadRequest("the code does not match the secret; check the device's clock and try again")
    user.mfa_enabled = True
    user.mfa_last_step = step
