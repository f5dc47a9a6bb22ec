"""An idle worker gives back the memory of the import it ran: the free heap is returned after
every task, and a pool process whose peak passed SCANLIFT_WORKER_RECYCLE_MB is replaced."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from scanlift.client import ImportClient
from tests.support.server import ADMIN_EMAIL, ADMIN_PASSWORD, running_server

NESSUS = (
    b'<NessusClientData_v2><Report name="r"><ReportHost name="10.0.0.1"></ReportHost></Report></NessusClientData_v2>'
)

#: A heap like the one an import leaves: 400 MB of 4 KiB blocks (above CPython's small-object
#: allocator, below glibc's mmap threshold), freed but for every 50th, so that no free run sits
#: at the top of the heap, the only place glibc returns memory on its own.
_FRAGMENTED_HEAP = """
import sys
from scanlift.jobs.memory import give_back

def rss_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS"))

blocks = [bytes(4000) + i.to_bytes(8, "little") for i in range(100_000)]
survivors = blocks[::50]
peak = rss_mb()
del blocks
if sys.argv[1] == "give-back":
    give_back()
print(peak, rss_mb())
"""


def _peak_and_after(mode: str) -> tuple[int, int]:
    out = subprocess.run([sys.executable, "-c", _FRAGMENTED_HEAP, mode], capture_output=True, text=True, check=True)
    peak, after = out.stdout.split()
    return int(peak), int(after)


def test_give_back_returns_a_fragmented_heap_to_the_system() -> None:
    peak, kept = _peak_and_after("keep")
    assert peak > 350
    assert kept > 300  # glibc alone keeps the freed pages
    peak, after = _peak_and_after("give-back")
    assert peak > 350
    assert after < 60


def _pool_processes(data_dir: Path) -> set[int]:
    """The Celery pool processes of the installation in ``data_dir``: children of its worker."""
    parents: dict[int, int] = {}
    workers: set[int] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            cwd = os.readlink(f"/proc/{entry}/cwd")
            ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if cwd == str(data_dir) and b"worker" in cmdline:
            parents[int(entry)] = ppid
            workers.add(int(entry))
    return {pid for pid, ppid in parents.items() if ppid in workers}


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.parametrize(("recycle_mb", "replaced"), [("1", True), ("0", False)])
def test_a_pool_process_past_the_recycle_limit_is_replaced_after_its_import(
    tmp_path: Path, recycle_mb: str, replaced: bool
) -> None:
    # Every pool process is past 1 MB, so with that limit each import ends with a fresh process;
    # with recycling off, the one process takes import after import. With one pool process, the
    # second import can only run once the first one's process was kept or replaced.
    data_dir = tmp_path / "data"
    scan = tmp_path / "scan.nessus"
    scan.write_bytes(NESSUS)
    env = {"SCANLIFT_WORKER_CONCURRENCY": "1", "SCANLIFT_WORKER_RECYCLE_MB": recycle_mb}
    with running_server(data_dir, env) as server, closing(ImportClient(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)) as api:
        client_id = api.request("POST", "/api/v1/client/create", json={"name": "ACME"}).json()["client_id"]
        report_id = api.request("POST", f"/api/v1/client/{client_id}/report/create", json={"name": "R"}).json()[
            "report_id"
        ]
        [first] = _pool_processes(data_dir)
        for _ in range(2):
            operation = api.trigger(client_id, report_id, "nessus", api.upload(scan), scan.name)
            assert api.wait(operation, poll_seconds=0.2, timeout=60).status == "IMPORT COMPLETE"
        assert _alive(first) is not replaced
