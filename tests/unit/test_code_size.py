"""Modules stay small enough to read in one sitting: none over 400 lines, and a median under 120."""

from __future__ import annotations

import statistics
from pathlib import Path

import scanlift

SOURCE = Path(scanlift.__file__).parent
MOST_LINES = 400
MEDIAN_BELOW = 120


def _sizes() -> dict[str, int]:
    return {str(p.relative_to(SOURCE)): len(p.read_text().splitlines()) for p in sorted(SOURCE.rglob("*.py"))}


def test_no_module_is_over_the_limit() -> None:
    too_long = {name: lines for name, lines in _sizes().items() if lines > MOST_LINES}
    assert too_long == {}


def test_the_median_module_is_short() -> None:
    assert statistics.median(_sizes().values()) < MEDIAN_BELOW
