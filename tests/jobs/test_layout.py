"""The worker side stands on its own: nothing under ``scanlift.jobs`` imports the API."""

from __future__ import annotations

from pathlib import Path

import scanlift.jobs
from tests.support.imports import imported_names

JOBS = Path(scanlift.jobs.__file__).parent
#: Modules that belong to the HTTP API: routes, request handling and the services behind them.
API_MODULES = (
    "scanlift.app",
    "scanlift.deps",
    "scanlift.views",
    "scanlift.schemas",
    "scanlift.health",
    "scanlift.openapi",
)
API_SUFFIXES = (".routes", ".service", ".views", ".schemas")


def _is_api(name: str) -> bool:
    if not name.startswith("scanlift."):
        return False
    if name.startswith(API_MODULES) or name.startswith("scanlift.imports"):
        return True
    return any(f"{suffix}." in f"{name}." for suffix in API_SUFFIXES)


def test_no_worker_module_imports_an_api_module() -> None:
    offenders = {
        f"{path.relative_to(JOBS)}: {name}"
        for path in sorted(JOBS.rglob("*.py"))
        for name in imported_names(path)
        if _is_api(name)
    }
    assert offenders == set()


def test_the_check_recognises_api_modules() -> None:
    assert _is_api("scanlift.imports.service")
    assert _is_api("scanlift.clients.routes")
    assert _is_api("scanlift.app")
    assert not _is_api("scanlift.jobs.leases")
    assert not _is_api("scanlift.uploads.storage")
