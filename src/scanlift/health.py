"""Liveness and readiness (PlexTrac's container probes /api/v2/health/live)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from scanlift.deps import RuntimeDep

router = APIRouter(tags=["health"])


@router.get("/api/v1/")
def api_root() -> dict[str, str]:
    """PlexTrac clients probe this to check that the URL is a live instance."""
    return {"text": "Authenticate at /authenticate"}


@router.get("/api/v2/health/live")
def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/api/v2/health/ready")
def ready(runtime: RuntimeDep) -> JSONResponse:
    checks: dict[str, Any] = {}
    probes: tuple[tuple[str, Callable[[], None]], ...] = (
        ("database", runtime.db.ping),
        ("storage", runtime.storage.check),
        ("broker", runtime.queue.check),
    )
    for name, probe in probes:
        try:
            probe()
            checks[name] = "ok"
        except Exception as exc:
            checks[name] = f"error: {type(exc).__name__}: {exc}"
    healthy = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status_code=200 if healthy else 503
    )
