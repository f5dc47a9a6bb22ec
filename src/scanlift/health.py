"""Liveness and readiness (PlexTrac's container probes /api/v2/health/live)."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from scanlift.deps import RuntimeDep
from scanlift.schemas import ApiRoot, Liveness, Readiness, ReadinessChecks

router = APIRouter(tags=["health"])

READY_TIMEOUT_SECONDS = 6.0


@router.get("/api/v1/")
def api_root() -> ApiRoot:
    """PlexTrac clients probe this to check that the URL is a live instance."""
    return ApiRoot(text="Authenticate at /authenticate")


@router.get("/api/v2/health/live")
def live() -> Liveness:
    return Liveness(status="ok")


@router.get(
    "/api/v2/health/ready",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "A dependency is down; its check says why."}},
)
def ready(runtime: RuntimeDep) -> JSONResponse:
    """200 when the database, object store and broker all answer; 503 naming what does not.

    The probes run at once and the whole check is bounded, so an outage never makes it hang.
    """
    probes: dict[str, Callable[[], None]] = {
        "database": runtime.db.ping,
        "storage": runtime.storage.check,
        "broker": runtime.queue.check,
    }
    pool = ThreadPoolExecutor(max_workers=len(probes), thread_name_prefix="ready")
    futures = {name: pool.submit(probe) for name, probe in probes.items()}
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    checks: dict[str, str] = {}
    for name, future in futures.items():
        try:
            future.result(timeout=max(0.0, deadline - time.monotonic()))
            checks[name] = "ok"
        except FutureTimeout:
            checks[name] = f"error: no answer within {READY_TIMEOUT_SECONDS:.0f} s"
        except Exception as exc:
            checks[name] = f"error: {type(exc).__name__}: {exc}"
    pool.shutdown(wait=False, cancel_futures=True)
    healthy = all(v == "ok" for v in checks.values())
    body = Readiness(status="ok" if healthy else "unavailable", checks=ReadinessChecks(**checks))
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if healthy else 503)
