"""Domain errors: one hierarchy, with no HTTP in it.

``UserError`` is the branch for what the caller got wrong (a bad request, a bad file, an unknown
source): its message is shown to them as it is, by the API and in an import's ``errorStatus``.
The HTTP status of each error lives only in the app's error map (``app.py``).
"""

from __future__ import annotations

from typing import Any


class ScanliftError(Exception):
    """Every error scanlift raises on purpose, with a message meant for the caller."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class UserError(ScanliftError):
    """The caller's request or file is at fault: the message is shown to them as it is."""


class BadRequest(UserError):
    """The request itself is malformed or names something that cannot be used."""


class Unauthorized(ScanliftError):
    """No valid credentials came with the request."""


class Forbidden(ScanliftError):
    """The caller is known but may not do this."""


class NotFound(ScanliftError):
    """The thing named does not exist, or not for this caller."""


class Conflict(ScanliftError):
    """The request contradicts the current state."""


class PayloadTooLarge(ScanliftError):
    """The upload or body is over its size limit."""


class TooManyRequests(ScanliftError):
    """Too many attempts; the caller may try again after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
