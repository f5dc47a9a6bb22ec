"""Child processes that restart when they crash and die with their parent.

``scanlift serve`` runs its workers this way, and ``scanlift worker`` its sweeper: a worker that
crashes (or is killed) is started again instead of leaving imports queued forever, and no
child outlives the process that started it.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import signal
import subprocess
import threading
import time
from collections.abc import Sequence

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
_MAX_BACKOFF_SECONDS = 30.0
#: A child that ran at least this long before exiting is restarted without delay.
_HEALTHY_RUN_SECONDS = 60.0


def die_with_parent() -> None:
    """Ask Linux to send SIGTERM to this process when its parent dies (runs in the child)."""
    with contextlib.suppress(OSError):  # not Linux: the child's own parent checks still apply
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Supervised:
    def __init__(self, name: str, argv: Sequence[str]) -> None:
        self.name = name
        self._argv = list(argv)
        self._stopping = threading.Event()
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=f"supervise-{name}", daemon=True)
        self.restarts = 0

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        backoff = 1.0
        while not self._stopping.is_set():
            started = time.monotonic()
            with self._lock:
                if self._stopping.is_set():
                    return
                self._process = subprocess.Popen(self._argv, preexec_fn=die_with_parent)
            code = self._process.wait()
            if self._stopping.is_set():
                return
            if code in (-signal.SIGTERM, -signal.SIGINT):
                # Asked to stop (an init system signals the whole process group): not a crash.
                log.info("%s stopped by signal %s; not restarting", self.name, -code)
                return
            if time.monotonic() - started >= _HEALTHY_RUN_SECONDS:
                backoff = 1.0
            log.error("%s exited with code %s; restarting in %.0f s", self.name, code, backoff)
            self.restarts += 1
            if self._stopping.wait(backoff):
                return
            backoff = min(backoff * 2, _MAX_BACKOFF_SECONDS)

    def stop(self, timeout: float = 15.0) -> None:
        self._stopping.set()
        with self._lock:
            process = self._process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._thread.join(timeout=5)
