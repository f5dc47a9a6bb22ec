"""The FastAPI application: routers, and one map from domain errors to JSON responses."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from scanlift import __version__
from scanlift.auth.account_routes import router as account_router
from scanlift.auth.admin_routes import router as users_router
from scanlift.auth.routes import router as auth_router
from scanlift.clients.routes import router as clients_router
from scanlift.config import Settings
from scanlift.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    ScanliftError,
    TooManyRequests,
    Unauthorized,
    UserError,
)
from scanlift.findings.routes import router as findings_router
from scanlift.health import router as health_router
from scanlift.imports.routes import router as imports_router
from scanlift.middleware import RequestGuards
from scanlift.openapi import ScanliftAPI
from scanlift.runtime import Runtime
from scanlift.transient import describe, is_transient
from scanlift.uploads.routes import router as uploads_router

log = logging.getLogger(__name__)


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    runtime = runtime or Runtime(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        runtime.close()

    app = ScanliftAPI(
        title="scanlift",
        version=__version__,
        summary="PlexTrac-compatible import of security-scanner files into pentest reports.",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    for router in (
        health_router,
        auth_router,
        account_router,
        users_router,
        clients_router,
        findings_router,
        uploads_router,
        imports_router,
    ):
        app.include_router(router)
    app.add_middleware(
        RequestGuards,
        max_body_bytes=settings.max_request_body_bytes,
        max_file_bytes=settings.max_upload_bytes,
    )
    app.add_exception_handler(ScanliftError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
    return app


#: The one place where domain errors become HTTP statuses; a subclass maps like its nearest mapped base.
HTTP_STATUS: Mapping[type[ScanliftError], int] = {
    BadRequest: 400,
    UserError: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PayloadTooLarge: 413,
    TooManyRequests: 429,
    ScanliftError: 400,
}


def http_status(error: ScanliftError) -> int:
    return next(HTTP_STATUS[cls] for cls in type(error).__mro__ if cls in HTTP_STATUS)


def _error_body(message: str, **extra: Any) -> dict[str, Any]:
    return {"status": "error", "message": message, **extra}


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ScanliftError)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
    return JSONResponse(_error_body(exc.message, **exc.details), status_code=http_status(exc), headers=headers)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's and Starlette's own refusals (a body that cannot be decoded, a malformed multipart
    body, an unknown path or method) in the same error shape as every other error."""
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse(_error_body(str(exc.detail)), status_code=exc.status_code, headers=exc.headers)


async def _unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
    """An outage of the database or object store is a 503 with a reason; anything else a 500."""
    if is_transient(exc):
        service = "database" if isinstance(exc, DBAPIError) else "object store"
        log.warning("%s unavailable: %s", service, describe(exc))
        body = _error_body(f"the {service} is unavailable; try again shortly")
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
    log.error("unhandled error", exc_info=exc)
    return JSONResponse(_error_body("internal server error"), status_code=500)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        f"{'.'.join(str(part) for part in error['loc'] if part != 'body') or 'body'}: {error['msg']}"
        for error in exc.errors()
    ]
    return JSONResponse(_error_body("invalid request: " + "; ".join(problems)), status_code=400)
