"""PlexTrac's shapes for CVE/CWE identifiers, scores and custom fields of a finding."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from scanlift.parsers._lib.ids import CVE_RE
from scanlift.parsers.base import Score

_KEY_RE = re.compile(r"[^a-z0-9_]")


def cve_entry(cve: str) -> dict[str, Any]:
    _, year, number = cve.split("-", 2)
    return {
        "name": cve,
        "year": int(year),
        "id": int(number),
        "link": f"https://www.cve.org/CVERecord?id={cve}",
    }


def cwe_entry(cwe: int) -> dict[str, Any]:
    return {"name": f"CWE-{cwe}", "id": cwe, "link": f"https://cwe.mitre.org/data/definitions/{cwe}.html"}


def common_identifiers(cves: Iterable[str], cwes: Iterable[int]) -> dict[str, Any]:
    return {
        # Only well-formed ids: a parser's "CVE" with thousands of digits must not reach int().
        "CVE": [cve_entry(c) for c in sorted(set(cves)) if CVE_RE.fullmatch(c)],
        "CWE": [cwe_entry(c) for c in sorted(set(cwes))],
    }


def identifiers_of(common: dict[str, Any]) -> tuple[set[str], set[int]]:
    return (
        {str(item["name"]) for item in common.get("CVE", [])},
        {int(item["id"]) for item in common.get("CWE", [])},
    )


def risk_score(scores: Iterable[Score]) -> dict[str, Any]:
    return {s.kind: {"overall": s.score, "vector": s.vector} for s in scores}


def field_key(label: str) -> str:
    """PlexTrac's custom-field key: lower case, spaces and dashes to underscores."""
    return _KEY_RE.sub("", label.strip().lower().replace(" ", "_").replace("-", "_"))


def custom_fields(fields: Iterable[tuple[str, str]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for label, value in fields:
        result.setdefault(field_key(label), {"label": label, "value": value})
    return result
