"""A database connection lost in the middle of a merge's COPY is an outage, retried like any other."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from scanlift.db import upsert
from scanlift.jobs.models import JobStatus
from tests.support.harness import Harness
from tests.support.state import state_digest

pytestmark = pytest.mark.parametrize("database", ["postgresql"], indirect=True)


def test_a_connection_killed_during_a_copy_is_retried_and_the_import_completes(
    harness: Harness, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = (corpus_dir / "nessus" / "nessus_many_vuln.xml").read_bytes()
    copy_rows = upsert._copy_rows
    killed: list[int] = []

    def copy_after_losing_the_connection_once(cursor: psycopg.Cursor[Any], *args: Any) -> None:
        # The server ends this backend, as a failover or an administrator would.
        if not killed:
            killed.append(cursor.connection.info.backend_pid)
            admin_url = harness.runtime.settings.resolved_database_url.replace("+psycopg", "")
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (killed[0],))
        copy_rows(cursor, *args)

    monkeypatch.setattr(upsert, "_copy_rows", copy_after_losing_the_connection_once)
    job = harness.run(content)
    assert killed, "the import never reached a COPY"
    assert (job.status, job.error_status) == (JobStatus.COMPLETE, None)

    # The retry started over, in a new transaction: the report is what one clean import gives.
    monkeypatch.setattr(upsert, "_copy_rows", copy_rows)
    expected = Harness(harness.runtime)
    assert expected.run(content).status == JobStatus.COMPLETE
    assert state_digest(harness.state()) == state_digest(expected.state())
