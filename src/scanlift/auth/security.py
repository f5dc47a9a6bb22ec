"""Password hashing (argon2) and PlexTrac-style JWTs (HS256, 15 minutes by default).

A token names its user's token generation (``gen``) and has its own id (``jti``): bumping the
user's generation revokes all their tokens, and logout revokes one by its id (``deps``)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
#: The shortest password accepted, wherever one is set (API, CLI, bootstrap).
MIN_PASSWORD_CHARS = 8
_ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A fixed hash to verify against when the user does not exist, so that timing does not tell
# which user names are real.
DUMMY_HASH = hash_password("scanlift-timing-equaliser")


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: int
    tenant_id: int
    username: str
    #: The user's token generation when it was issued; a token of an older generation is revoked.
    generation: int = 0
    #: The token's own id, by which logout revokes just this token.
    jti: str = field(default_factory=lambda: secrets.token_hex(16))
    expires_at: datetime | None = None


def issue_token(claims: TokenClaims, *, secret: str, ttl_seconds: int) -> str:
    now = datetime.now(UTC)
    payload = {
        "sub": str(claims.user_id),
        "userId": claims.user_id,
        "tenantId": claims.tenant_id,
        "username": claims.username,
        "gen": claims.generation,
        "jti": claims.jti,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
    }
    return jwt.encode(payload, secret, algorithm=_ALGORITHM)


class InvalidToken(Exception):
    pass


def read_token(token: str, *, secret: str) -> TokenClaims:
    try:
        payload = jwt.decode(token, secret, algorithms=[_ALGORITHM], options={"require": ["exp", "sub"]})
        return TokenClaims(
            user_id=int(payload["sub"]),
            tenant_id=int(payload["tenantId"]),
            username=str(payload["username"]),
            generation=int(payload["gen"]),
            jti=str(payload["jti"]),
            expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("the token has expired; authenticate again") from None
    except (jwt.InvalidTokenError, KeyError, TypeError, ValueError):
        raise InvalidToken("the token is invalid") from None
