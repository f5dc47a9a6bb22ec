"""TOTP (RFC 6238 over RFC 4226 HOTP): HMAC-SHA-1, 30-second steps, 6 digits, ±1 step of drift."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
#: Steps either side of now that are accepted, for clock drift and typing time.
DRIFT_STEPS = 1


def new_secret() -> str:
    """160 random bits (RFC 4226's recommended key length), base32 without padding."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    padded = secret.upper() + "=" * (-len(secret) % 8)
    return base64.b32decode(padded)


def hotp(secret: str, counter: int) -> str:
    digest = hmac.new(_key(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


def totp(secret: str, at: float | None = None) -> str:
    return hotp(secret, int((time.time() if at is None else at) // STEP_SECONDS))


def matching_step(secret: str, code: str, *, after: int | None = None, at: float | None = None) -> int | None:
    """The time step whose code ``code`` is (now, or one step either side), if it is later than
    ``after``: a code already used is not taken again (RFC 6238 §5.2), even within its window."""
    counter = int((time.time() if at is None else at) // STEP_SECONDS)
    found = None
    for step in range(counter - DRIFT_STEPS, counter + DRIFT_STEPS + 1):
        # Every candidate is compared, so that the time taken does not tell which one matched.
        if hmac.compare_digest(hotp(secret, step), code) and (after is None or step > after):
            found = step
    return found


def provisioning_uri(secret: str, account: str, issuer: str = "scanlift") -> str:
    """The ``otpauth://`` URI authenticator apps read from a QR code."""
    query = urlencode(
        {"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": STEP_SECONDS}
    )
    return f"otpauth://totp/{quote(issuer)}:{quote(account)}?{query}"
