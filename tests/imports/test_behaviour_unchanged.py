"""Every corpus file and parser fixture imports exactly as it did before the code was reshaped.

``behaviour_digests.json`` was recorded from the code as it stood before the reshaping of
issue 9 (parser packages, the parse runner, the jobs feature). Each entry is the job's outcome
(status, error text, counts) and a digest of everything the import wrote into the report. A
refactoring must leave every one of them equal; a deliberate change of behaviour re-records the
file with ``SCANLIFT_RECORD_DIGESTS=1 pytest tests/imports/test_behaviour_unchanged.py`` and says
why in its commit.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPUS_DIR
from tests.support.corpus import FOLDER_SOURCES, OTHER_PRODUCTS, corpus_files
from tests.support.harness import Harness
from tests.support.state import state_digest

DIGESTS = Path(__file__).with_name("behaviour_digests.json")
FIXTURES = Path(__file__).resolve().parents[1] / "parsers" / "fixtures"
RECORDING = os.environ.get("SCANLIFT_RECORD_DIGESTS") == "1"


def _jobs() -> dict[str, tuple[Path, str]]:
    """Job name -> (file, source id): every corpus file, and every fixture under its folder's source."""
    jobs = {
        f"corpus:{name}": (CORPUS_DIR / name, {**FOLDER_SOURCES, **OTHER_PRODUCTS}[name.split("/")[0]])
        for name in corpus_files(CORPUS_DIR, {**FOLDER_SOURCES, **OTHER_PRODUCTS})
    }
    for path in sorted(FIXTURES.glob("*/*")):
        if path.name != "README.md":
            jobs[f"fixture:{path.parent.name}/{path.name}"] = (path, path.parent.name)
    # Detection is part of the behaviour too: every corpus file once more with the source left to scanlift.
    for name in corpus_files(CORPUS_DIR, FOLDER_SOURCES):
        jobs[f"auto:{name}"] = (CORPUS_DIR / name, "auto")
    return jobs


JOBS = _jobs()


def _outcome(harness: Harness, path: Path, source: str) -> dict[str, Any]:
    job = harness.run(path.read_bytes(), source)
    return {
        "status": str(job.status),
        "error": job.error_status,
        "counts": [job.processed_findings, job.processed_assets, job.processed_finding_assets, job.processed_evidence],
        "report": state_digest(harness.state()),
    }


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    if RECORDING:
        return {}
    return dict(json.loads(DIGESTS.read_text()))


@pytest.mark.parametrize("name", sorted(JOBS))
def test_import_outcome_is_unchanged(harness: Harness, recorded: dict[str, Any], name: str) -> None:
    outcome = _outcome(harness, *JOBS[name])
    if RECORDING:
        stored = json.loads(DIGESTS.read_text()) if DIGESTS.exists() else {}
        stored[name] = outcome
        DIGESTS.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")
        return
    assert outcome == recorded[name]


def test_every_job_has_a_recorded_outcome(recorded: dict[str, Any]) -> None:
    if RECORDING:
        pytest.skip("recording")
    assert sorted(recorded) == sorted(JOBS)
