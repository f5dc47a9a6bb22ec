"""The bounds on files are read from SCANLIFT_* variables, within their ranges."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pydantic import ValidationError

from scanlift.limits import FileLimits

#: Parses 40-deep JSON arrays and prints the outcome, in a fresh process: bounds are read at import.
_PARSE_NESTED = """
import io
from scanlift.parsers._lib.json import json_events
from scanlift.parsers.base import InvalidFile
try:
    count = sum(1 for _ in json_events(io.BytesIO(b"[" * 40 + b"]" * 40), source="ptrac"))
    print(f"parsed {count} events")
except InvalidFile as exc:
    print(exc)
"""


def _parse_nested(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SCANLIFT_")}
    run = subprocess.run(
        [sys.executable, "-c", _PARSE_NESTED], env=clean | env, capture_output=True, text=True, check=True
    )
    return run.stdout.strip()


def test_a_bound_set_in_the_environment_applies_to_every_parse() -> None:
    assert _parse_nested() == "parsed 80 events"
    assert "nested more than 20 levels deep" in _parse_nested(SCANLIFT_JSON_MAX_DEPTH="20")


def test_defaults_and_ranges() -> None:
    limits = FileLimits(_env_file=None)  # type: ignore[call-arg]
    assert (limits.json_max_depth, limits.json_max_number_digits, limits.max_list_items) == (256, 4000, 10_000)
    with pytest.raises(ValidationError):
        FileLimits(_env_file=None, json_max_number_digits=4301)  # type: ignore[call-arg]
