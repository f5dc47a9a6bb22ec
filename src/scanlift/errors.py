"""Domain errors. Each carries its HTTP status; app.py maps them to one JSON error shape."""

from __future__ import annotations

from typing import Any


class ScanliftError(Exception):
    status_code = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class UserError(ScanliftError):
    """The caller's request or file is at fault: the message is shown to them as it is."""

    status_code = 400


class BadRequest(UserError):
    status_code = 400


class Unauthorized(ScanliftError):
    status_code = 401


class Forbidden(ScanliftError):
    status_code = 403


class NotFound(ScanliftError):
    status_code = 404


class Conflict(ScanliftError):
    status_code = 409


class PayloadTooLarge(ScanliftError):
    status_code = 413


class TooManyRequests(ScanliftError):
    status_code = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
