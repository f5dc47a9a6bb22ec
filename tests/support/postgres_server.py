"""A private PostgreSQL server that a test may stop and start, for database outages.

The machine's shared server (5432) must stay up for everything else, so an outage test gets
its own cluster: ``initdb`` into a temporary directory, on a free port, from the same binaries.
PostgreSQL refuses to run as root, so as root the cluster runs as the ``postgres`` user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.server import free_port


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        raise RuntimeError(f"PostgreSQL's {name} was not found (scripts/ensure-services.sh installs it)")
    return found[-1]


class PrivatePostgres:
    def __init__(self, directory: Path) -> None:
        # The postgres user must reach it, and pytest's own temporary directories are private.
        self.home = directory
        self.data = directory / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._log = directory / "postgres.log"
        self._as_postgres = os.geteuid() == 0

    def _run(self, *args: str, check: bool = True) -> None:
        command = ["runuser", "-u", "postgres", "--", *args] if self._as_postgres else list(args)
        subprocess.run(command, check=check, capture_output=True)

    def init(self) -> None:
        if self._as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.home, user.pw_uid, user.pw_gid)
        self._run(_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data.parent} -c fsync=off"
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-l", str(self._log), "-o", options, "-w", "start")

    def crash(self, *, check: bool = True) -> None:
        """Stop at once, as a crash or a lost host does: no checkpoint, clients cut off."""
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", check=check)


@contextmanager
def running_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres(Path(tempfile.mkdtemp(prefix="scanlift-pg-")))
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.crash(check=False)  # already stopped is fine
        shutil.rmtree(server.home, ignore_errors=True)
