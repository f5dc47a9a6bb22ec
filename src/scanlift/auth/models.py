from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from scanlift.db.base import Base, utcnow


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    #: A ``scanlift.auth.roles.Role`` value: administrator, analyst or viewer.
    role: Mapped[str] = mapped_column(String(20), default="analyst")
    #: A disabled user cannot log in, and the tokens issued to them are refused.
    disabled: Mapped[bool] = mapped_column(default=False)
    #: Every token carries the generation it was issued in; bumping it revokes them all at once
    #: (on disabling the user, and on any change of their password).
    token_generation: Mapped[int] = mapped_column(default=0)
    #: The TOTP secret (base32); set by /api/v2/user/mfa/qr, in force once ``mfa_enabled``.
    mfa_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    mfa_enabled: Mapped[bool] = mapped_column(default=False)
    #: The TOTP time step last accepted: its code, and any earlier one, is never taken again.
    mfa_last_step: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginFailure(Base):
    """One failed login; counted per user name and per client address over a sliding minute, to
    throttle both guessing one account's password and spraying many accounts from one address."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_username_at", "username", "at"),
        Index("ix_login_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(320))
    #: The client's address (behind a trusted proxy, the one it forwarded); None when unknown.
    address: Mapped[str | None] = mapped_column(String(64), default=None)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class RevokedToken(Base):
    """A token ended by logout before its expiry. Rows are deleted once the token would have
    expired anyway, so the table only ever holds the tokens of the last token lifetime."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class MfaChallenge(Base):
    """The ``code`` a password login answers with when the user has MFA on: single-use, short-lived.
    Only its SHA-256 is stored, so the table does not hold anything that logs a user in."""

    __tablename__ = "mfa_challenges"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    #: Wrong TOTP codes tried against this challenge; it is dropped after a few.
    failures: Mapped[int] = mapped_column(default=0)
