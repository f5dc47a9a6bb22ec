"""Ending tokens (logout, revoke-all) and the two-factor login challenge."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session

from scanlift.auth import totp
from scanlift.auth.models import MfaChallenge, RevokedToken, User
from scanlift.auth.security import TokenClaims
from scanlift.auth.service import check_throttle, record_failure
from scanlift.db.base import utcnow
from scanlift.db.engine import Database
from scanlift.db.upsert import rows_affected
from scanlift.errors import Unauthorized

#: How long the ``code`` of a two-factor login is good for.
CHALLENGE_TTL = timedelta(minutes=5)
#: Wrong TOTP codes one challenge takes before it is dropped (the per-user throttle applies too).
MAX_CHALLENGE_FAILURES = 5


def revoke_token(session: Session, claims: TokenClaims) -> None:
    """End one token (logout); tokens that have expired anyway are forgotten at the same time."""
    now = utcnow()
    session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))
    if session.get(RevokedToken, claims.jti) is None:
        session.add(RevokedToken(jti=claims.jti, user_id=claims.user_id, expires_at=claims.expires_at or now))


def revoke_all_tokens(user: User) -> None:
    """End every token issued to the user so far (disabling them, changing their password)."""
    user.token_generation += 1


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8", "replace")).hexdigest()


def start_challenge(db: Database, user: User) -> str:
    """A new single-use challenge code for the user's second factor."""
    code = secrets.token_urlsafe(32)
    with db.session() as session:
        session.execute(delete(MfaChallenge).where(MfaChallenge.expires_at < utcnow()))
        session.add(MfaChallenge(code_hash=_digest(code), user_id=user.id, expires_at=utcnow() + CHALLENGE_TTL))
    return code


def _take_step(session: Session, user: User, step: int) -> bool:
    """Record ``step`` as the user's last TOTP step, unless it (or a later one) was taken."""
    unused = or_(User.mfa_last_step.is_(None), User.mfa_last_step < step)
    taken = rows_affected(session, update(User).where(User.id == user.id, unused).values(mfa_last_step=step))
    return taken == 1


@dataclass(frozen=True, slots=True)
class Throttle:
    max_failures_per_minute: int
    address: str | None
    max_failures_per_address: int | None


def complete_challenge(db: Database, code: str, token: str, throttle: Throttle) -> User:
    """The user of a live challenge whose TOTP ``token`` is right; the challenge is used up.

    A wrong code counts as a failed login of that user (throttled alike) and against the
    challenge, which is dropped after ``MAX_CHALLENGE_FAILURES``.
    """
    digest = _digest(code)
    with db.session() as session:
        challenge = session.get(MfaChallenge, digest)
        if challenge is None or challenge.expires_at <= utcnow():
            raise Unauthorized("the MFA code is unknown, used or expired; authenticate again")
        user = session.get(User, challenge.user_id)
        if user is None or user.disabled or not user.mfa_enabled or not user.mfa_secret:
            raise Unauthorized("the MFA code is unknown, used or expired; authenticate again")
        check_throttle(
            session,
            user.email,
            max_failures_per_minute=throttle.max_failures_per_minute,
            address=throttle.address,
            max_failures_per_address=throttle.max_failures_per_address,
        )
        step = totp.matching_step(user.mfa_secret, token, after=user.mfa_last_step)
        if step is not None:
            # Single use, also under concurrency: only the one DELETE that removes the challenge,
            # and the one UPDATE that moves the user's last step forward, win.
            used = rows_affected(session, delete(MfaChallenge).where(MfaChallenge.code_hash == digest))
            if used != 1 or not _take_step(session, user, step):
                raise Unauthorized("the MFA code is unknown, used or expired; authenticate again")
            return user
        challenge.failures += 1
        if challenge.failures >= MAX_CHALLENGE_FAILURES:
            session.delete(challenge)
        username = user.email
    record_failure(db, username, throttle.address)
    raise Unauthorized("invalid MFA token")
