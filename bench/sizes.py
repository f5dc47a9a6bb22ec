"""Human sizes for benchmark command lines: 100MB, 1GB."""

from __future__ import annotations

_UNITS = {"KB": 10**3, "MB": 10**6, "GB": 10**9}


def parse_size(text: str) -> int:
    text = text.strip().upper()
    for unit, factor in _UNITS.items():
        if text.endswith(unit):
            return int(float(text[: -len(unit)]) * factor)
    return int(text)
