"""Runs the real ``scanlift serve`` (API plus Celery worker and sweeper) as subprocesses."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from scanlift.supervise import die_with_parent

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "e2e-admin-password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class RunningServer:
    url: str
    data_dir: Path
    log: Path


@contextmanager
def running_server(data_dir: Path, extra_env: Mapping[str, str] | None = None) -> Iterator[RunningServer]:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SCANLIFT_")},
        "SCANLIFT_HOST": "127.0.0.1",
        "SCANLIFT_PORT": str(port),
        "SCANLIFT_DATA_DIR": str(data_dir),
        "SCANLIFT_ADMIN_EMAIL": ADMIN_EMAIL,
        "SCANLIFT_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "SCANLIFT_WORKER_CONCURRENCY": "2",
        "SCANLIFT_SWEEP_INTERVAL_SECONDS": "1",
        **(extra_env or {}),
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "scanlift", "serve"], env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=die_with_parent, cwd=data_dir,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process, log, with_worker=env.get("SCANLIFT_EMBEDDED_WORKER") != "false")
        yield RunningServer(url, data_dir, log)
    finally:
        _shutdown(process)


def _wait_ready(
    url: str, process: subprocess.Popen[bytes], log: Path, *, with_worker: bool, timeout: float = 90
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"scanlift serve exited early:\n{log.read_text()[-4000:]}")
        try:
            ready = httpx.get(f"{url}/api/v2/health/ready", timeout=10).status_code == 200
            if ready and (not with_worker or _worker_ready(log)):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"scanlift serve was not ready in {timeout}s:\n{log.read_text()[-4000:]}")


def _worker_ready(log: Path) -> bool:
    return b"ready." in log.read_bytes()


def _shutdown(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the main process, as an init system sends it; it stops its own children."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # anything the group left behind
    process.wait()


@contextmanager
def running_worker(
    server: RunningServer, env: Mapping[str, str], *, concurrency: int = 1
) -> Iterator[subprocess.Popen[bytes]]:
    """A separate ``scanlift worker`` (with its sweeper) for the server's installation."""
    process = start_worker(server, env, concurrency=concurrency)
    try:
        yield process
    finally:
        _shutdown(process)


def start_worker(server: RunningServer, env: Mapping[str, str], *, concurrency: int = 1) -> subprocess.Popen[bytes]:
    full_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SCANLIFT_")},
        "SCANLIFT_DATA_DIR": str(server.data_dir),
        "SCANLIFT_SWEEP_INTERVAL_SECONDS": "1",
        **env,
    }
    with (server.data_dir / "workers.log").open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "scanlift", "worker", f"--concurrency={concurrency}"],
            env=full_env, stdout=out, stderr=subprocess.STDOUT, cwd=server.data_dir,
            start_new_session=True, preexec_fn=die_with_parent,  # dies with the test run
        )  # fmt: skip
    return process


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    """What a crashed host does to a worker: SIGKILL to it and all its children at once."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
