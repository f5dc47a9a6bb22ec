"""Supervised children: restarted after a crash, left alone when asked to stop."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from scanlift.supervise import Supervised


def _wait_for(predicate: object, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def _child(tmp_path: Path) -> list[str]:
    """A child that records its pid, then sleeps."""
    script = f"import os, time; open({str(tmp_path / 'pids')!r}, 'a').write(f'{{os.getpid()}}\\n'); time.sleep(60)"
    return [sys.executable, "-c", script]


def _pids(tmp_path: Path) -> list[int]:
    path = tmp_path / "pids"
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def test_a_crashed_child_is_restarted_and_stop_ends_it(tmp_path: Path) -> None:
    supervised = Supervised("child", _child(tmp_path))
    supervised.start()
    assert _wait_for(lambda: len(_pids(tmp_path)) == 1)
    os.kill(_pids(tmp_path)[0], signal.SIGKILL)  # a crash, e.g. the OOM killer
    assert _wait_for(lambda: len(_pids(tmp_path)) == 2)
    assert supervised.restarts == 1
    supervised.stop()
    second = _pids(tmp_path)[1]
    assert _wait_for(lambda: not _alive(second))


def test_a_child_stopped_by_sigterm_is_not_restarted(tmp_path: Path) -> None:
    supervised = Supervised("child", _child(tmp_path))
    supervised.start()
    assert _wait_for(lambda: len(_pids(tmp_path)) == 1)
    os.kill(_pids(tmp_path)[0], signal.SIGTERM)
    time.sleep(2)
    assert len(_pids(tmp_path)) == 1
    assert supervised.restarts == 0
    supervised.stop()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
