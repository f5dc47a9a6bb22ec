"""Text clean-up shared by parsers."""

from __future__ import annotations

import html
import re

_TAG_RE = re.compile(r"<[^>]+>")
_BLOCK_RE = re.compile(r"<\s*(?:br|/p|/div|/li|/h\d|/tr)\s*/?>", re.IGNORECASE)
_BLANK_LINES_RE = re.compile(r"\n{3,}")


def clean(text: str | None) -> str:
    """Trim each line's trailing blanks and the text's outer blank lines; keep inner layout."""
    if not text:
        return ""
    if "\n" not in text and "\r" not in text:  # the common case, and the hot one
        return text.strip()
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    joined = "\n".join(lines)
    return (_BLANK_LINES_RE.sub("\n\n", joined) if "\n\n\n" in joined else joined).strip()


def html_to_text(markup: str | None) -> str:
    """Plain text from a scanner's HTML fragment: block tags become line breaks, entities decode."""
    if not markup:
        return ""
    text = _BLOCK_RE.sub("\n", markup)
    text = _TAG_RE.sub("", text)
    return clean(html.unescape(text))


def join_paragraphs(*parts: str | None) -> str:
    return "\n\n".join(p for p in (clean(x) for x in parts) if p)


def split_lines(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))
