"""The ``tags`` field of preuploaded-import: a JSON string (or object) of asset and finding tags."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from scanlift.errors import BadRequest

_NON_WORD = re.compile(r"[^a-z0-9_]")


def normalise_tag(tag: str) -> str:
    """PlexTrac's tag convention: lower case, spaces and dashes become underscores, others dropped."""
    return _NON_WORD.sub("", tag.strip().lower().replace(" ", "_").replace("-", "_"))


@dataclass(frozen=True, slots=True)
class ImportTags:
    assets: list[str]
    findings: list[str]


def parse_tags(raw: str | dict[str, Any] | None) -> ImportTags:
    if raw is None or raw == "":
        return ImportTags([], [])
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise BadRequest(f'tags must be JSON like {{"assets":[],"findings":[]}} ({exc.msg})') from None
    if not isinstance(raw, dict):
        raise BadRequest('tags must be an object like {"assets":[],"findings":[]}')
    return ImportTags(_tag_list(raw, "assets"), _tag_list(raw, "findings"))


def _tag_list(raw: dict[str, Any], field: str) -> list[str]:
    values = raw.get(field) or []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise BadRequest(f"tags.{field} must be a list of strings")
    return list(dict.fromkeys(t for t in (normalise_tag(v) for v in values) if t))
