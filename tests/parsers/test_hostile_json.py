"""Hostile JSON through every parser: a clear error on the first try, never a crash or a bloat.

Each attack runs in a child process, because the failure being guarded against is the process
dying (ijson's C backend crashed on a 4,301-digit integer) or swelling (nesting cost the square
of its depth): the child reports each parser's outcome and its own peak memory.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.hostile import JSON_ATTACKS

PEAK_RSS_LIMIT_MB = 300

_CHILD = """
import json, sys
from scanlift.errors import UserError
from scanlift.parsers.registry import PARSERS
from scanlift.parsers.runner import parse_stream
from tests.support.hostile import attack_stream

outcomes = {}
for source in ["auto", *sorted(PARSERS)]:
    try:
        count = sum(1 for _ in parse_stream(attack_stream(sys.argv[1]), source=source))
        outcomes[source] = f"parsed {count} records"
    except UserError as exc:
        outcomes[source] = "error: " + str(exc)
# VmHWM, not getrusage: Linux keeps ru_maxrss across exec, so it would report pytest's own peak.
status = open("/proc/self/status").read()
peak = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024
print(json.dumps({"outcomes": outcomes, "peak_mb": peak}))
"""


@pytest.mark.parametrize("attack", sorted(JSON_ATTACKS))
def test_every_parser_refuses_hostile_json_in_bounded_memory(attack: str) -> None:
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, attack], capture_output=True, text=True, timeout=300, check=False
    )
    assert child.returncode == 0, child.stderr[-2000:]
    report = json.loads(child.stdout)
    parsed = {source: outcome for source, outcome in report["outcomes"].items() if not outcome.startswith("error: ")}
    # CSV readers may take a JSON file as text with no usable rows; none may accept the attack as data.
    assert all(outcome == "parsed 0 records" for outcome in parsed.values()), parsed
    assert report["peak_mb"] < PEAK_RSS_LIMIT_MB
    for outcome in report["outcomes"].values():
        assert len(outcome) < 800
