"""An import's errorStatus is a cause, never a dump: it comes back on every poll of my-imports."""

from __future__ import annotations

from scanlift.jobs.models import JobStatus
from scanlift.parsers.base import InvalidFile, excerpt
from tests.support.harness import Harness


def test_a_huge_cell_in_a_csv_error_is_quoted_as_a_short_excerpt(harness: Harness) -> None:
    header = (
        "title,severity,status,description,recommendations,references,affected_assets,tags,"
        + "cvss_temporal,cwe,cve,category"
    )
    row = "Open Redirect," + "X" * 1_000_000 + ",Open,d,r,,app.example.com,,,601,,Web"
    job = harness.run(f"{header}\n{row}\n".encode(), "offlinecsv")
    assert job.status == JobStatus.ERROR
    assert job.error_status is not None
    assert job.error_status.startswith("invalid offlinecsv file: ")
    assert len(job.error_status) <= 800
    assert "more characters]" in job.error_status


def test_excerpt_keeps_short_text_and_says_how_much_it_cut() -> None:
    assert excerpt("short", 10) == "short"
    cut = excerpt("a" * 1000, 100)
    assert len(cut) == 100
    kept = cut.index("…")
    assert cut.endswith(f"… [{1000 - kept} more characters]")
    assert len(str(InvalidFile("nessus", "b" * 10_000))) <= len("invalid nessus file: ") + InvalidFile.MAX_PROBLEM_CHARS
