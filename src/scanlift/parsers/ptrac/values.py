"""PTRAC JSON values as text, lists and ids."""

from __future__ import annotations

import re
from typing import Any

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import text as _text

SOURCE = "ptrac"

_HTML_RE = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9]*|/[a-zA-Z][a-zA-Z0-9]*)(?:\s[^<>]*)?/?>")


def rich_text(value: Any) -> str:
    """PlexTrac rich text (HTML from its editor) as plain text; plain text is only cleaned."""
    text = string(value)
    return _text.html_to_text(text) if _HTML_RE.search(text) else _text.clean(text)


def strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return _ids.unique(value.split(","))
    return _ids.unique(string(v) for v in as_list(value))


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def string(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return value if isinstance(value, str) else number_text(value)


def value_text_of(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(string(v) for v in value if string(v))
    return string(value)


def number_text(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return f"{value:.1f}"
    return str(value).strip()


def id_text(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, str)):
        return str(value).strip()
    return ""
