"""The production stack for service benchmarks: PostgreSQL, SeaweedFS (S3), Redis, API, workers.

Built from the same helpers the end-to-end tests use, so the benchmark measures what is tested.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.profiles import PG_S3_REDIS, profile_env
from tests.support.seaweed import running_seaweed
from tests.support.server import ADMIN_EMAIL, ADMIN_PASSWORD, RunningServer, running_server, running_worker

from scanlift.client import ImportClient


@dataclass
class Stack:
    server: RunningServer
    env: dict[str, str]
    workdir: Path
    workers: list[subprocess.Popen[bytes]]

    def worker_peak_rss_mb(self) -> float:
        """The highest peak resident memory (VmHWM) of any worker process or pool child so far."""
        peaks = [_peak_rss_kb(pid) for worker in self.workers for pid in _with_descendants(worker.pid)]
        return max(peaks, default=0) / 1024

    def client(self) -> ImportClient:
        return ImportClient(self.server.url, ADMIN_EMAIL, ADMIN_PASSWORD, timeout=120)

    def new_report(self, api: ImportClient, name: str) -> tuple[int, int]:
        client_id = api.request("POST", "/api/v1/client/create", json={"name": name}).json()["client_id"]
        report = api.request("POST", f"/api/v1/client/{client_id}/report/create", json={"name": name}).json()
        return client_id, report["report_id"]


@contextmanager
def production_stack(
    *, workers: int = 1, concurrency: int = 2, extra_env: dict[str, str] | None = None
) -> Iterator[Stack]:
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="scanlift-bench-")))
        store = stack.enter_context(running_seaweed(workdir / "s3"))
        env = stack.enter_context(profile_env(PG_S3_REDIS, store))
        env = {**env, "SCANLIFT_EMBEDDED_WORKER": "false", "SCANLIFT_LOG_LEVEL": "WARNING", **(extra_env or {})}
        server = stack.enter_context(running_server(workdir / "api", env))
        processes = [stack.enter_context(running_worker(server, env, concurrency=concurrency)) for _ in range(workers)]
        yield Stack(server, env, workdir, processes)


def _with_descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def _peak_rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
