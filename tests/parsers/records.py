"""Helpers for parser tests: run a parser over a file and split what it yields."""

from __future__ import annotations

from pathlib import Path

from scanlift.parsers.base import Parser, ScanAsset, ScanFinding, ScanRecord


def parse_file(parser: Parser, path: Path) -> list[ScanRecord]:
    with path.open("rb") as stream:
        return list(parser.parse(stream))


def findings_of(records: list[ScanRecord]) -> list[ScanFinding]:
    return [r for r in records if isinstance(r, ScanFinding)]


def assets_of(records: list[ScanRecord]) -> list[ScanAsset]:
    return [r for r in records if isinstance(r, ScanAsset)]
