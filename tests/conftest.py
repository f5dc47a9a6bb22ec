"""Shared fixtures. The scanner corpus lives outside the repository, at ../shared/corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS_DIR.is_dir():
        pytest.fail(f"scanner corpus not found at {CORPUS_DIR} (expected ../shared/corpus beside the repo)")
    return CORPUS_DIR
