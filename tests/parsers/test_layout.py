"""The shape of ``scanlift.parsers``: infrastructure at the top, shared helpers in ``_lib``, and
one package per PlexTrac source id whose entry point is the registered parser.

A module that is neither a registered parser, part of one, nor a helper fails here, so nothing
drifts back into a flat folder where a newcomer cannot tell an entry point from a helper.
"""

from __future__ import annotations

import pkgutil
from pathlib import Path

import scanlift.parsers
from scanlift.parsers.registry import ALIASES, PARSERS, PLEXTRAC_SOURCES
from tests.support.imports import imported_names

ROOT = Path(scanlift.parsers.__file__).parent
INFRASTRUCTURE = {"base", "registry", "detect", "runner", "bounds"}


def _top_level() -> tuple[set[str], set[str]]:
    modules = {m.name for m in pkgutil.iter_modules([str(ROOT)]) if not m.ispkg}
    packages = {m.name for m in pkgutil.iter_modules([str(ROOT)]) if m.ispkg}
    return modules, packages


def test_the_top_level_holds_only_infrastructure() -> None:
    modules, _packages = _top_level()
    assert modules == INFRASTRUCTURE
    assert len(modules) <= 8


def test_every_package_is_a_registered_source_or_the_helpers() -> None:
    _modules, packages = _top_level()
    assert packages - {"_lib"} == set(PARSERS)


def test_every_parser_is_the_entry_point_of_its_source_package() -> None:
    for source, parser in PARSERS.items():
        assert type(parser).__module__ == f"scanlift.parsers.{source}", source


def test_every_plextrac_source_has_a_parser_an_alias_or_a_documented_refusal() -> None:
    from scanlift.parsers.registry import NO_PUBLIC_SPECIFICATION

    assert set(PLEXTRAC_SOURCES) == set(PARSERS) | set(ALIASES) | NO_PUBLIC_SPECIFICATION


def test_every_sub_format_module_is_used_by_its_source_package() -> None:
    """A module inside a source package is one of its formats or parts; one that nothing in the
    package imports is dead code."""
    for source in PARSERS:
        package = ROOT / source
        siblings = sorted(package.glob("*.py"))
        imported: set[str] = set()
        for path in siblings:
            imported |= imported_names(path)
        for path in siblings:
            if path.name != "__init__.py":
                assert f"scanlift.parsers.{source}.{path.stem}" in imported, f"{source}/{path.name} is never imported"


def test_helpers_are_used_by_more_than_one_source_or_by_the_infrastructure() -> None:
    """What sits in ``_lib`` is shared; a helper that only one source uses belongs in that source."""
    users: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        owner = path.relative_to(ROOT).parts[0].removesuffix(".py")
        for name in imported_names(path):
            if name.startswith("scanlift.parsers._lib."):
                helper = name.split(".")[3]
                users.setdefault(helper, set()).add(owner)
    helpers = {m.name for m in pkgutil.iter_modules([str(ROOT / "_lib")])}
    for helper in helpers:
        outside = users.get(helper, set()) - {"_lib"}
        assert len(outside) >= 2 or outside & INFRASTRUCTURE, f"_lib/{helper}.py is used by {sorted(outside)}"


def test_no_parser_reads_the_head_again() -> None:
    """The runner reads the head once and hands it to the parser with a replaying stream."""
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {"_lib", *(f"{m}.py" for m in INFRASTRUCTURE)}:
            continue
        names = imported_names(path)
        assert not {n for n in names if n.endswith((".read_head", ".replay"))}, f"{relative} re-reads the head"


def test_only_the_shared_json_module_drives_ijson() -> None:
    """Its bounds (depth, number length, value size, read size) keep hostile JSON from crashing or
    bloating a worker; a parser that called ijson itself would bypass them."""
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative != Path("_lib/json.py"):
            assert not {n for n in imported_names(path) if n.split(".")[0] == "ijson"}, f"{relative} imports ijson"
