"""SCYTHE (PlexTrac source ``scythe``) has no parser on purpose.

format-notes.md: no findings/report export of SCYTHE is publicly described; only its threat
(adversary-emulation plan) files are, and PlexTrac imports those into Runbooks, not findings.
See docs/sources.md (scythe). Choosing the source must end in a clear "unsupported" error, never
in a parser that guesses a layout.
"""

from __future__ import annotations

import importlib.util

import pytest

from scanlift.parsers.registry import PLEXTRAC_SOURCES, UnsupportedSource, parser_for


def test_source_is_known_but_unsupported() -> None:
    assert "scythe" in PLEXTRAC_SOURCES
    with pytest.raises(UnsupportedSource, match="unsupported"):
        parser_for("scythe")


def test_no_guessing_parser_module_exists() -> None:
    assert importlib.util.find_spec("scanlift.parsers.scythe") is None
