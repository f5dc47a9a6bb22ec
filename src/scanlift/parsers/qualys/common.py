"""Cell and markup helpers shared by the Qualys mappings (VM XML, WAS XML, CSV exports).

Qualys placeholders ("N/A", "-"), knowledge-base HTML, CVSS cells, ports, URLs, evidence captions
and element texts. The finding records and their join live in ``records``. Private to the
qualys parser.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from lxml import etree

from scanlift.parsers._lib import text as _text
from scanlift.parsers.base import Port, Score

SOURCE = "qualys"

_PLACEHOLDERS = frozenset({"", "-", "'-", "n/a", "na", "not applicable", "not applicable.", "none"})
_LINK_RE = re.compile(
    r"""<a\s[^>]*?href\s*=\s*["']?\s*([^"'\s>]+)["']?[^>]*>(.*?)</a\s*>""",
    re.IGNORECASE | re.DOTALL,
)
_TAG_RE = re.compile(r"<[^>]+>")
#: Qualys writes <P> as a paragraph separator (rarely closed) and lists as <LI> items.
_PARAGRAPH_RE = re.compile(r"<p(?:\s[^>]*)?>", re.IGNORECASE)
_ITEM_RE = re.compile(r"<li(?:\s[^>]*)?>", re.IGNORECASE)
_ITEM_END_RE = re.compile(r"</li\s*>", re.IGNORECASE)
_LIST_RE = re.compile(r"</?(?:ol|ul|dl|dt|dd)(?:\s[^>]*)?>", re.IGNORECASE)
_CVSS_RE = re.compile(r"^\s*(\d{1,2}(?:\.\d+)?)\s*(?:\(\s*([^)]*?)\s*\))?\s*$")


def is_placeholder(text: str | None) -> bool:
    """Qualys fills empty cells with "N/A", "-" or (in Excel-safe CSVs) "'-"."""
    return text is None or " ".join(text.split()).lower() in _PLACEHOLDERS


def value(text: str | None) -> str:
    """The trimmed text, or "" for a Qualys placeholder."""
    return "" if is_placeholder(text) else (text or "").strip()


def kb_text(markup: str | None) -> str:
    """Plain text from Qualys knowledge-base HTML (THREAT, SOLUTION…); links keep their address."""
    if is_placeholder(markup):
        return ""
    text = _LINK_RE.sub(_inline_link, markup or "")
    text = _PARAGRAPH_RE.sub("\n\n", text)
    text = _ITEM_END_RE.sub("", _ITEM_RE.sub("\n- ", _LIST_RE.sub("\n", text)))
    return _text.html_to_text(text)


def _inline_link(match: re.Match[str]) -> str:
    url = match.group(1).strip()
    label = _text.clean(_TAG_RE.sub("", match.group(2))).replace("\n", " ")
    return url if not label or label == url else f"{label} ({url})"


def links_in(markup: str | None) -> list[str]:
    """Every link address in a knowledge-base HTML fragment."""
    return [m.group(1).strip() for m in _LINK_RE.finditer(markup or "")]


def score(kind: str, raw: str | None) -> Score | None:
    """ "9.3 (AV:N/AC:M/Au:N/C:C/I:C/A:C)", "5.0", a bare vector, or a placeholder -> Score or None."""
    text = value(raw)
    if not text:
        return None
    match = _CVSS_RE.match(text)
    if match:
        vector = match.group(2) or ""
        return Score(kind=_kind_of(kind, vector), vector=vector, score=match.group(1))
    if "/" in text and ":" in text and " " not in text:
        return Score(kind=_kind_of(kind, text), vector=text)
    return None


def _kind_of(kind: str, vector: str) -> str:
    if kind == "CVSS3" and vector.upper().startswith("CVSS:3.1/"):
        return "CVSS3_1"
    return kind


def scores_and_leftovers(
    pairs: Iterable[tuple[str, str, str | None]],
) -> tuple[list[Score], list[tuple[str, str]]]:
    """(kind, label, raw) -> the Scores, plus (label, raw) fields for values that are not scores."""
    scores: list[Score] = []
    leftovers: list[tuple[str, str]] = []
    for kind, label, raw in pairs:
        parsed = score(kind, raw)
        if parsed is not None:
            scores.append(parsed)
        elif value(raw):
            leftovers.append((label, value(raw)))
    return scores, leftovers


def port_of(number: str | None, protocol: str | None = "tcp", service: str | None = "") -> Port | None:
    """A Port from Qualys cells; None when the finding is not on a port (empty, "0", "-")."""
    digits = value(number)
    if not digits or digits == "0":
        return None
    return Port(
        number=digits,
        protocol=(value(protocol) or "tcp").lower(),
        service=value(service),
    )


def port_label(port: Port | None) -> str:
    if port is None:
        return ""
    return f"{port.protocol}/{port.number}" + (f" {port.service}" if port.service else "")


def url_asset(url: str | None) -> tuple[str, Port | None]:
    """A web finding's asset (the URL's host, as the other web-scanner parsers name it) and port."""
    if not url:
        return "", None
    try:
        parts = urlsplit(url.strip())
        explicit = parts.port
    except ValueError:
        return "", None
    host = (parts.hostname or "").lower()
    scheme = parts.scheme.lower()
    default = {"http": 80, "https": 443}.get(scheme)
    number = explicit or default
    if not host:
        return "", None
    return host, Port(number=str(number), protocol="tcp", service=scheme) if number else None


def facts(pairs: Iterable[tuple[str, str]]) -> str:
    """ "Label: value" lines for the non-empty values (an asset's description)."""
    return "\n".join(f"{label}: {text}" for label, text in pairs if text)


#: Detection types as each Qualys export spells them -> the wording used in evidence captions.
TYPE_WORDS: Mapping[str, str] = {
    "vuln": "confirmed vulnerability",
    "confirmed": "confirmed vulnerability",
    "practice": "potential vulnerability",
    "potential": "potential vulnerability",
    "ig": "information gathered",
    "info": "information gathered",
}


def type_words(raw: str) -> str:
    return TYPE_WORDS.get(raw.strip().lower(), raw.strip())


def decoded(element: etree._Element | None) -> str:
    """An element's text, base64-decoded when it says ``base64="true"`` (kept as is if that fails)."""
    if element is None:
        return ""
    raw = element.text or ""
    if element.get("base64", "").lower() != "true":
        return raw
    try:
        data = base64.b64decode("".join(raw.split()), validate=True)
    except (binascii.Error, ValueError):
        return raw
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # Qualys echoes pages in their own charset


def caption(base: str, details: Iterable[tuple[str, str]]) -> str:
    """ "Result (tcp/22 ssh)" + detection details -> "Result (tcp/22 ssh) — status: New; times found: 1"."""
    parts = [f"{label}: {text}" if label else text for label, text in details if text]
    if not parts:
        return base
    return f"{base} — " + "; ".join(parts)


def child_text(element: etree._Element, path: str) -> str:
    """The trimmed text at ``path`` below ``element``, "" when absent."""
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def children(element: etree._Element) -> dict[str, str]:
    """Direct children's trimmed texts by tag (the first of a repeated tag wins): one pass, many reads."""
    found: dict[str, str] = {}
    for child in element:
        if isinstance(child.tag, str) and child.tag not in found:
            found[child.tag] = (child.text or "").strip()
    return found


def texts(element: etree._Element, path: str) -> list[str]:
    return [(e.text or "").strip() for e in element.iterfind(path) if (e.text or "").strip()]
