"""Every input known to have crashed a parse, replayed through the fuzzer's contract: the parse
reads to the end or stops with a ``UserError``, within its time.

The files are named ``<target>-<what>.bin``. The fuzzer (``bench/fuzz_parsers.py``) adds what it
finds; the ``*-long-number`` and ``*-deep-nesting`` files are the reported crashes of issue 10 (a
4,301-digit JSON number killed the worker through detection, the "looks like" hint after a
failed Nessus parse, and the ZAP, Checkmarx and PTRAC parsers; 100,000-deep nesting took it to
its memory cap).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from bench.fuzz_parsers import REGRESSIONS, ROOT

CASES = sorted(REGRESSIONS.glob("*.bin"))

#: In a child process, because what these inputs did was kill the process (SIGSEGV in ijson's C
#: backend), which would take the test run down with it.
_REPLAY = (
    "import sys; from bench.fuzz_parsers import check_one_input; check_one_input(sys.stdin.buffer.read(), sys.argv[1])"
)


@pytest.mark.parametrize("case", CASES, ids=[case.stem for case in CASES])
def test_a_known_crasher_ends_cleanly(case: Path) -> None:
    target = case.stem.split("-", 1)[0]
    replay = subprocess.run(
        [sys.executable, "-c", _REPLAY, target],
        input=case.read_bytes(),
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert replay.returncode == 0, replay.stderr.decode(errors="replace")[-2000:]
