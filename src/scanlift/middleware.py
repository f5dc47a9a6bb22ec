"""Guards every request passes before any route sees it: a bounded body, and standard headers.

The body limit is enforced here, in the app, so that no deployment depends on a proxy for it:
a declared ``Content-Length`` over the limit is refused before anything is read, and a body that
grows past it while streaming (chunked, or a lying length) is cut off with the same answer. Only
the routes that take a file stream up to the upload limit; every other body is small JSON.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

from scanlift.parsers.registry import ASSET_SOURCES

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Routes that receive a whole scanner file in their body: the embedded store's presigned PUT,
#: and PlexTrac's multipart asset import.
FILE_BODY_PATHS = ("/cloud/uploads/",)
FILE_BODY_SUFFIXES = tuple(f"/assets/import/{source}" for source in ASSET_SOURCES)

#: Sent with every response. The API serves JSON only; its documentation pages need scripts.
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
API_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
DOC_PATHS = ("/docs", "/redoc")


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` while a route reads its body: an HTTPException, so that FastAPI's
    body parsing passes it on unchanged and the app's error handler answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"the request body is over the limit of {limit} bytes")


class RequestGuards:
    """ASGI middleware: body size limits and security headers."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_file_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_file_bytes = max_file_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        limit = self.max_file_bytes if _takes_a_file(path) else self.max_body_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, f"the request body is {declared} bytes; the limit is {limit}")
            return
        received = 0
        started = False

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = _with_security_headers(list(message.get("headers", [])), scope)
            await send(message)

        try:
            await self.app(scope, bounded_receive, send_with_headers)
        except BodyTooLarge as exc:
            if started:
                raise
            await _refuse(send, str(exc.detail))


def _takes_a_file(path: str) -> bool:
    return path.startswith(FILE_BODY_PATHS) or path.endswith(FILE_BODY_SUFFIXES)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() and len(text) < 20 else None
    return None


def _with_security_headers(headers: list[tuple[bytes, bytes]], scope: Scope) -> list[tuple[bytes, bytes]]:
    present = {name.lower() for name, _ in headers}
    extra = [pair for pair in SECURITY_HEADERS if pair[0] not in present]
    if not scope.get("path", "").startswith(DOC_PATHS) and API_CSP[0] not in present:
        extra.append(API_CSP)
    # Nothing the API answers is for a shared cache: responses carry tenants' findings and tokens.
    if b"cache-control" not in present:
        extra.append((b"cache-control", b"no-store"))
    return headers + extra


async def _refuse(send: Send, message: str) -> None:
    body = json.dumps({"status": "error", "message": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": _with_security_headers(headers, {})})
    await send({"type": "http.response.body", "body": body})
