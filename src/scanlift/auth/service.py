"""Login with throttling, the first-start admin, and user creation."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from scanlift.auth.models import LoginFailure, Tenant, User
from scanlift.auth.roles import Role
from scanlift.auth.security import DUMMY_HASH, MIN_PASSWORD_CHARS, hash_password, verify_password
from scanlift.db.base import utcnow
from scanlift.db.engine import Database
from scanlift.errors import Conflict, TooManyRequests, Unauthorized

DEFAULT_TENANT_ID = 0
_THROTTLE_WINDOW = timedelta(minutes=1)


def authenticate(
    db: Database,
    username: str,
    password: str,
    *,
    max_failures_per_minute: int,
    address: str | None = None,
    max_failures_per_address: int | None = None,
) -> User:
    """The user for these credentials. Failures are recorded and throttled per user name, and per
    client address when one is given (so that spraying many names from one address is limited).

    A failure is committed in its own transaction, because the request itself ends in an error
    and its transaction rolls back.
    """
    username = username.strip().lower()
    with db.session() as session:
        check_throttle(
            session,
            username,
            max_failures_per_minute=max_failures_per_minute,
            address=address,
            max_failures_per_address=max_failures_per_address,
        )
        user = session.scalar(select(User).where(User.email == username))
        if user is None:
            verify_password(DUMMY_HASH, password)
        elif verify_password(user.password_hash, password):
            if user.disabled:  # told only to whoever knows the password
                raise Unauthorized("this account is disabled")
            return user
    record_failure(db, username, address)
    raise Unauthorized("invalid username or password")


def check_throttle(
    session: Session,
    username: str,
    *,
    max_failures_per_minute: int,
    address: str | None,
    max_failures_per_address: int | None,
) -> None:
    """A 429 when this user name, or this address, failed too often within the last minute."""
    window_start = utcnow() - _THROTTLE_WINDOW
    recent_failures = session.scalar(
        select(func.count()).where(LoginFailure.username == username, LoginFailure.at >= window_start)
    )
    if (recent_failures or 0) >= max_failures_per_minute:
        raise TooManyRequests("too many failed logins for this user; try again in a minute", retry_after=60)
    if address is not None and max_failures_per_address is not None:
        from_address = session.scalar(
            select(func.count()).where(LoginFailure.address == address, LoginFailure.at >= window_start)
        )
        if (from_address or 0) >= max_failures_per_address:
            raise TooManyRequests("too many failed logins from this address; try again in a minute", retry_after=60)


def record_failure(db: Database, username: str, address: str | None) -> None:
    """Count a failed login (or MFA code) in its own transaction: the request's own rolls back."""
    with db.session() as session:
        session.add(LoginFailure(username=username, address=address))
        session.execute(delete(LoginFailure).where(LoginFailure.at < utcnow() - _THROTTLE_WINDOW))


def ensure_tenant(session: Session, tenant_id: int = DEFAULT_TENANT_ID) -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        tenant = Tenant(id=tenant_id, name="Default" if tenant_id == DEFAULT_TENANT_ID else f"Tenant {tenant_id}")
        session.add(tenant)
        session.flush()
    return tenant


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    tenant_id: int = DEFAULT_TENANT_ID,
    role: Role = Role.ANALYST,
    first_name: str = "",
    last_name: str = "",
) -> User:
    email = email.strip().lower()
    if not email or "@" not in email:
        raise ValueError(f"not an email address: {email!r}")
    check_password_rules(password)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"a user with email {email} already exists")
    ensure_tenant(session, tenant_id)
    user = User(
        email=email,
        password_hash=hash_password(password),
        tenant_id=tenant_id,
        role=Role(role).value,
        first_name=first_name,
        last_name=last_name,
    )
    session.add(user)
    session.flush()
    return user


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"passwords need at least {MIN_PASSWORD_CHARS} characters")


@dataclass(frozen=True, slots=True)
class BootstrapResult:
    email: str
    generated_password: str | None


def bootstrap_admin(session: Session, *, email: str, password: str | None) -> BootstrapResult | None:
    """Create the first admin on an empty database; None when users already exist."""
    if session.scalar(select(func.count()).select_from(User)):
        return None
    generated = None if password else secrets.token_urlsafe(15)
    create_user(session, email=email, password=password or generated or "", role=Role.ADMINISTRATOR)
    return BootstrapResult(email=email.strip().lower(), generated_password=generated)
