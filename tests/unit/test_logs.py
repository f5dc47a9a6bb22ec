"""Worker log lines: JSON, and no alarm for a failed acknowledgement, which loses nothing here."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from scanlift import logs


@pytest.fixture
def json_logs() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    request_logger = logging.getLogger("celery.worker.request")
    filters = request_logger.filters[:]
    yield
    root.handlers[:], root.level = handlers, level
    request_logger.filters[:] = filters


def _lines(text: str) -> list[dict[str, str]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_failed_ack_is_a_warning_that_says_why_it_is_harmless(
    json_logs: None, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.configure("json")
    request_logger = logging.getLogger("celery.worker.request")
    try:
        raise ConnectionError("connection already closed")
    except ConnectionError as exc:
        # kombu's own call, with the delivery tag and the reason.
        request_logger.critical("Couldn't ack %r, reason:%r", 1, exc, exc_info=True)
    request_logger.critical("Unrecoverable error: something else")
    first, second = _lines(capsys.readouterr().err)
    assert first["level"] == "WARNING"
    assert first["message"].startswith("Couldn't ack 1, reason:ConnectionError('connection already closed')")
    assert "the claim drops it" in first["message"]
    assert "exception" not in first
    assert (second["level"], second["message"]) == ("CRITICAL", "Unrecoverable error: something else")
