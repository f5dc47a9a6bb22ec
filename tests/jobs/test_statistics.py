"""A large import leaves PostgreSQL's planner statistics up to date, autovacuum or not."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from scanlift.jobs import finishing
from scanlift.jobs.models import JobStatus
from tests.support.harness import Harness

pytestmark = pytest.mark.parametrize("database", ["postgresql"], indirect=True)


def _analyzed(harness: Harness) -> dict[str, bool]:
    with harness.runtime.db.session() as session:
        rows = session.execute(
            text(
                "SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables "  # ANALYZE, not autovacuum
                "WHERE relname IN ('affected_assets', 'evidence')"
            )
        )
        return dict(rows.all())  # type: ignore[arg-type]


def test_tables_are_analyzed_after_an_import_that_wrote_many_rows(
    harness: Harness, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = (corpus_dir / "nessus" / "nessus_v_unknown.xml").read_bytes()
    monkeypatch.setattr(finishing, "ANALYZE_AFTER_ROWS", 10**9)
    assert harness.run(content).status == JobStatus.COMPLETE
    assert _analyzed(harness) == {"affected_assets": False, "evidence": False}  # a small import: no ANALYZE

    monkeypatch.setattr(finishing, "ANALYZE_AFTER_ROWS", 10)  # this file writes more rows than that
    other = Harness(harness.runtime)
    assert other.run(content).status == JobStatus.COMPLETE
    assert _analyzed(harness) == {"affected_assets": True, "evidence": True}
