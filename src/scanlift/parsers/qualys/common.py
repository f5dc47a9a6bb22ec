"""Pieces shared by the Qualys mappings (VM XML, WAS XML, CSV exports). Private to the qualys parser.

A Qualys finding is split in two: a *definition* (the knowledge-base entry for a QID: title,
severity, texts, CVEs, scores) and *sightings* (where the QID was seen: asset, port or URL, the
scanner's result). ``build`` joins one of each into a ``ScanFinding``.

Report formats that print the knowledge base (the "glossary") after the host or URL sections
need a join that does not hold the file in memory: ``Spool`` writes sightings and definitions to a
private temporary SQLite file and replays them once the document has been read.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers.base import Evidence, Port, ScanFinding, Score, Severity

SOURCE = "qualys"


#: PlexTrac tags a Qualys finding "minimal" when its severity is 1.
MINIMAL_TAG = "minimal"

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


def severity_of(level: str) -> Severity:
    """Qualys 0-5 level -> PlexTrac severity; anything unreadable is Informational."""
    return _severity.from_scale(level, _severity.ZERO_TO_FIVE) or Severity.INFORMATIONAL


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


@dataclass(frozen=True, slots=True)
class Definition:
    """What the Qualys knowledge base says about one QID."""

    qid: str
    title: str
    #: The Qualys level as written ("1".."5", "0" for some information-gathered QIDs).
    level: str
    description: str = ""
    recommendations: str = ""
    references: tuple[str, ...] = ()
    cves: tuple[str, ...] = ()
    cwes: tuple[int, ...] = ()
    scores: tuple[Score, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> str:
        return json.dumps(
            {
                "qid": self.qid,
                "title": self.title,
                "level": self.level,
                "description": self.description,
                "recommendations": self.recommendations,
                "references": list(self.references),
                "cves": list(self.cves),
                "cwes": list(self.cwes),
                "scores": [[s.kind, s.vector, s.score] for s in self.scores],
                "fields": [list(f) for f in self.fields],
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Definition:
        data: dict[str, Any] = json.loads(text)
        return cls(
            qid=str(data["qid"]),
            title=str(data["title"]),
            level=str(data["level"]),
            description=str(data["description"]),
            recommendations=str(data["recommendations"]),
            references=tuple(str(r) for r in data["references"]),
            cves=tuple(str(c) for c in data["cves"]),
            cwes=tuple(int(c) for c in data["cwes"]),
            scores=tuple(Score(kind=str(k), vector=str(v), score=str(s)) for k, v, s in data["scores"]),
            fields=tuple((str(label), str(text)) for label, text in data["fields"]),
        )

    @classmethod
    def missing(cls, qid: str) -> Definition:
        """Stand-in for a QID whose knowledge-base entry is not in the file."""
        return cls(
            qid=qid,
            title=f"Qualys QID {qid}",
            level="",
            fields=(("Qualys Note", "the file carries no knowledge-base entry for this QID"),),
        )


@dataclass(frozen=True, slots=True)
class Sighting:
    """Where one QID was seen."""

    asset: str | None
    port: Port | None = None
    location_url: str = ""
    parameters: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = field(default=())

    def to_json(self) -> str:
        port = self.port
        return json.dumps(
            {
                "asset": self.asset,
                "port": [port.number, port.protocol, port.service] if port else None,
                "url": self.location_url,
                "params": list(self.parameters),
                "evidence": [[e.caption, e.code] for e in self.evidence],
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Sighting:
        data: dict[str, Any] = json.loads(text)
        port = data["port"]
        asset = data["asset"]
        return cls(
            asset=str(asset) if asset is not None else None,
            port=Port(number=str(port[0]), protocol=str(port[1]), service=str(port[2])) if port else None,
            location_url=str(data["url"]),
            parameters=tuple(str(p) for p in data["params"]),
            evidence=tuple(Evidence(caption=str(c), code=str(code)) for c, code in data["evidence"]),
        )


def build(definition: Definition, sighting: Sighting) -> ScanFinding:
    """One ScanFinding from a QID's definition and one sighting of it."""
    title = definition.title or f"Qualys QID {definition.qid}"
    return ScanFinding(
        flaw_id=definition.qid or _ids.title_flaw_id(title),
        title=title,
        severity=severity_of(definition.level),
        description=definition.description,
        recommendations=definition.recommendations,
        references=definition.references,
        cves=definition.cves,
        cwes=definition.cwes,
        scores=definition.scores,
        tags=(MINIMAL_TAG,) if definition.level.strip() == "1" else (),
        fields=(("Qualys QID", definition.qid), *definition.fields) if definition.qid else definition.fields,
        asset=sighting.asset,
        port=sighting.port,
        location_url=sighting.location_url,
        vulnerable_parameters=sighting.parameters,
        evidence=sighting.evidence,
    )


class Spool:
    """Disk-backed join of sightings with definitions that the file prints after them.

    ``sqlite3.connect("")`` opens a private temporary database file that SQLite deletes when the
    connection closes, so memory stays flat whatever the number of hosts, URLs or QIDs.
    """

    def __init__(self) -> None:
        self._db = sqlite3.connect("", check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE sighting (seq INTEGER PRIMARY KEY, qid TEXT NOT NULL, data TEXT NOT NULL)")
        self._db.execute("CREATE TABLE definition (qid TEXT PRIMARY KEY, data TEXT NOT NULL)")

    def add_sighting(self, qid: str, sighting: Sighting) -> None:
        self._db.execute("INSERT INTO sighting (qid, data) VALUES (?, ?)", (qid, sighting.to_json()))

    def add_definition(self, definition: Definition) -> None:
        """Keep the first definition of a QID (a report lists each QID once)."""
        self._db.execute(
            "INSERT OR IGNORE INTO definition (qid, data) VALUES (?, ?)",
            (definition.qid, definition.to_json()),
        )

    def replay(self, default_asset: str | None = None) -> Iterator[ScanFinding]:
        """Every sighting joined with its definition, QID by QID (each definition is decoded once).

        ``default_asset`` names the asset of sightings recorded without one (learned late in the file).
        """
        self._db.execute("CREATE INDEX sighting_by_qid ON sighting (qid, seq)")
        rows = self._db.execute(
            "SELECT s.qid, s.data, d.data FROM sighting AS s LEFT JOIN definition AS d ON d.qid = s.qid "
            "ORDER BY s.qid, s.seq"
        )
        current: Definition | None = None
        for qid, sighting_json, definition_json in rows:
            if current is None or current.qid != qid:
                current = Definition.from_json(definition_json) if definition_json else Definition.missing(qid)
            sighting = Sighting.from_json(sighting_json)
            if sighting.asset is None and default_asset:
                sighting = dataclasses.replace(sighting, asset=default_asset)
            yield build(current, sighting)

    def close(self) -> None:
        self._db.close()
