"""The heartbeat: a background thread that extends a job's lease while its worker is busy.

A slow phase (a large merge, a wait for the merge lock) must never let the lease run out; when
the heartbeat finds the lease taken by another worker, it raises the ``lost`` flag that the
import checks at every progress report.
"""

from __future__ import annotations

import threading

from sqlalchemy.exc import OperationalError

from scanlift.db.engine import Database
from scanlift.jobs import leases


class Heartbeat:
    """Extends the job's lease from a background thread, so that slow phases never lose it."""

    def __init__(self, db: Database, job_id: str, owner: str, lease_seconds: int) -> None:
        self._db = db
        self._job_id = job_id
        self._owner = owner
        self._lease_seconds = lease_seconds
        self._stop = threading.Event()
        self.lost = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{job_id[:8]}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        interval = max(1.0, self._lease_seconds / 4)
        while not self._stop.wait(interval):
            try:
                with self._db.session() as session:
                    held = leases.heartbeat(session, self._job_id, owner=self._owner, lease_seconds=self._lease_seconds)
            except OperationalError:
                continue  # busy database: try again on the next beat
            if not held and not self._stop.is_set():
                self.lost.set()
                return
