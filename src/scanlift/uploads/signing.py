"""HMAC signatures for the embedded store's presigned URLs: method, key and expiry are covered."""

from __future__ import annotations

import hashlib
import hmac
import time

EXPIRES_PARAM = "X-Scanlift-Expires"
SIGNATURE_PARAM = "X-Scanlift-Signature"


def sign(secret: str, *, method: str, key: str, expires: int) -> str:
    message = f"{method.upper()}\n{key}\n{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(secret: str, *, method: str, key: str, expires: str | None, signature: str | None) -> str | None:
    """None when the signature is valid and unexpired, else the reason it is refused."""
    if not expires or not signature:
        return "the URL is not signed"
    try:
        expires_at = int(expires)
    except ValueError:
        return "the URL's expiry is malformed"
    expected = sign(secret, method=method, key=key, expires=expires_at)
    # As bytes: compare_digest refuses str with non-ASCII characters, and the URL is the caller's.
    if not hmac.compare_digest(expected.encode(), signature.encode(errors="replace")):
        return "the URL's signature does not match"
    if expires_at < time.time():
        return "the URL has expired"
    return None
