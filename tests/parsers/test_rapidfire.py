"""RapidFire Tools VulScan (PlexTrac source ``rapidfire``) has no parser on purpose.

format-notes.md rates its export "confidence: none": no public sample, schema, column list or
open-source importer exists. See docs/sources.md (rapidfire). Choosing the source must end in a
clear "unsupported" error, never in a parser that guesses CSV columns.
"""

from __future__ import annotations

import importlib.util

import pytest

from scanlift.parsers.registry import PLEXTRAC_SOURCES, UnsupportedSource, parser_for


def test_source_is_known_but_unsupported() -> None:
    assert "rapidfire" in PLEXTRAC_SOURCES
    with pytest.raises(UnsupportedSource, match="unsupported"):
        parser_for("rapidfire")


def test_no_guessing_parser_module_exists() -> None:
    assert importlib.util.find_spec("scanlift.parsers.rapidfire") is None
