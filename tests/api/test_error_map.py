"""Domain errors carry no HTTP: the app's one map gives each its status, a subclass like its base."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from scanlift import errors
from scanlift.app import create_app, http_status
from scanlift.errors import ScanliftError
from scanlift.parsers.base import InvalidFile
from scanlift.parsers.registry import UnknownSource
from scanlift.runtime import Runtime


class MissingWidget(errors.NotFound):
    """A subclass no map names."""


CASES = [
    (ScanliftError("base"), 400),
    (errors.UserError("user"), 400),
    (errors.BadRequest("bad"), 400),
    (InvalidFile("nessus", "truncated"), 400),
    (UnknownSource("nessuss"), 400),
    (errors.Unauthorized("who"), 401),
    (errors.Forbidden("no"), 403),
    (errors.NotFound("gone"), 404),
    (MissingWidget("no widget"), 404),
    (errors.Conflict("again"), 409),
    (errors.PayloadTooLarge("big"), 413),
    (errors.TooManyRequests("slow down", retry_after=7), 429),
]


def _all_error_classes(cls: type[ScanliftError] = ScanliftError) -> Iterator[type[ScanliftError]]:
    yield cls
    for sub in cls.__subclasses__():
        yield from _all_error_classes(sub)


def test_no_error_class_carries_an_http_status() -> None:
    assert [cls.__name__ for cls in _all_error_classes() if hasattr(cls, "status_code")] == []


@pytest.mark.parametrize(("error", "status"), CASES, ids=lambda case: type(case).__name__)
def test_each_error_answers_its_status_and_the_one_error_body(
    error: ScanliftError, status: int, runtime: Runtime
) -> None:
    assert http_status(error) == status
    app = create_app(runtime.settings, runtime)

    def fail() -> None:
        raise error

    app.add_api_route("/fail", fail)
    with TestClient(app) as api:
        response = api.get("/fail")
    assert response.status_code == status
    assert response.json() == {"status": "error", "message": error.message, **error.details}
    assert response.headers.get("retry-after") == ("7" if isinstance(error, errors.TooManyRequests) else None)


def test_details_join_the_body(runtime: Runtime) -> None:
    app = create_app(runtime.settings, runtime)

    def fail() -> None:
        raise errors.Conflict("imported already", key="abc")

    app.add_api_route("/fail", fail)
    with TestClient(app) as api:
        response = api.get("/fail")
    assert (response.status_code, response.json()) == (
        409,
        {"status": "error", "message": "imported already", "key": "abc"},
    )
