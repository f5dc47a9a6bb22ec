"""PlexTrac PTRAC report export (source ``ptrac``; the UI calls it "PlexTrac").

A PTRAC file is one JSON object (api-notes §4.7): ``report_info``, ``flaws_array`` (findings with
``flaw_id``, ``common_identifiers``, ``fields``/``risk_score`` and ``affected_assets`` keyed by
asset id, each a copy of the client asset plus ``ports``/``locationUrl``/``vulnerableParameters``/
``evidence``/``notes``/``status``), ``summary.ReportAssets`` (the report's client assets, keyed by
id), ``evidence`` and ``client_info``.

Mapping (see docs/sources.md (ptrac)): the file's own ``flaw_id`` is the finding id (else ``id``,
else PlexTrac's title hash); severity is PlexTrac's own level; each affected asset gives one
sighting per affected port (or one without a port) carrying the location URL, vulnerable
parameters and, on its first sighting, the asset's code-sample evidence and notes. A finding with
no affected asset is one sighting with no asset. Rich-text (HTML) description, recommendations and
references become plain text. Status has no place on ``ScanFinding``, so it travels as the custom
field ("status", value), like offlinecsv.

Streaming: the file is read once with ijson events. Each ``flaws_array`` item and each
``summary.ReportAssets`` entry is built as one small dict and mapped, whichever comes first in the
file; findings refer to assets by name and the merger joins them in either order. This needs two
prefixes in one pass, which ``_json.iter_items`` (one prefix) cannot do, hence the event loop here.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any, BinaryIO, ClassVar

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.json import build_value, json_events, top_level_keys
from scanlift.parsers.base import (
    Evidence,
    InvalidFile,
    ScanFinding,
    ScanRecord,
    Score,
    Severity,
    Sniff,
    Upload,
)
from scanlift.parsers.ptrac.assets import asset_of, ports_of, report_asset
from scanlift.parsers.ptrac.values import (
    SOURCE,
    as_list,
    id_text,
    number_text,
    rich_text,
    string,
    strings,
    value_text_of,
)

#: Top-level keys of a PTRAC export.
PTRAC_KEYS = frozenset({"report_info", "flaws_array", "summary", "evidence", "client_info"})

_FLAW_PREFIX = "flaws_array.item"
_ASSETS_PREFIX = "summary.ReportAssets"

#: PTRAC ``sev``: the index of the severity in PlexTrac's list, most severe first.

#: ``risk_score`` keys -> Score kind.
_RISK_SCORE_KINDS = {
    "CVSS4": "CVSS4",
    "CVSS4_0": "CVSS4",
    "CVSS3_1": "CVSS3_1",
    "CVSS3": "CVSS3",
    "CVSS3_0": "CVSS3",
    "CVSS2": "CVSS2",
    "CVSS": "CVSS2",
}
#: ``fields.scores`` keys -> Score kind (PlexTrac's "cvss" is CVSS v2).
_FIELD_SCORE_KINDS = {
    "cvss4": "CVSS4",
    "cvss3_1": "CVSS3_1",
    "cvss3": "CVSS3",
    "cvss2": "CVSS2",
    "cvss": "CVSS2",
}

_VECTOR_PREFIX_RE = re.compile(r"^CVSS:\d\.\d/")


class PtracParser:
    source: ClassVar[str] = "ptrac"
    label: ClassVar[str] = "PlexTrac PTRAC"

    def sniff(self, head: Sniff) -> bool:
        keys = top_level_keys(head.head)
        if not keys:
            return False
        return "flaws_array" in keys or ("report_info" in keys and keys <= PTRAC_KEYS)

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        stream = upload.stream
        index = 0
        for kind, key, value in _sections(stream):
            if kind == "flaw":
                index += 1
                yield from _flaw_records(value, index)
            else:
                asset = report_asset(key, value)
                if asset is not None:
                    yield asset


def _sections(stream: BinaryIO) -> Iterator[tuple[str, str, Any]]:
    """Yield ("flaw", "", item) per flaws_array item and ("asset", id, doc) per ReportAssets entry."""
    keys: list[str] = []
    try:
        events = iter(json_events(stream, source=SOURCE))
        first = next(events, None)
        if first is None:
            raise InvalidFile(SOURCE, "the file is empty")
        if first[1] != "start_map":
            raise InvalidFile(
                SOURCE,
                f"the top level is {_json_kind(first[1])}, expected an object with report_info, flaws_array",
            )
        for prefix, event, value in events:
            if prefix == "" and event == "map_key":
                keys.append(str(value))
            elif prefix == "flaws_array" and event != "start_array" and event != "end_array":
                raise InvalidFile(SOURCE, f"flaws_array is {_json_kind(event)}, expected a list of findings")
            elif prefix == _FLAW_PREFIX:
                yield "flaw", "", build_value(events, event, value)
            elif prefix == _ASSETS_PREFIX and event == "map_key":
                _prefix, start, start_value = next(events)
                yield "asset", str(value), build_value(events, start, start_value)
            elif prefix == f"{_ASSETS_PREFIX}.item":
                yield "asset", "", build_value(events, event, value)
        if "flaws_array" not in keys:
            raise InvalidFile(SOURCE, f"top-level keys are {_listed(keys)}; expected report_info and flaws_array")
    except InvalidFile as exc:
        problem = exc.problem.split(" (", 1)[0]
        if keys and not PTRAC_KEYS.intersection(keys) and problem.endswith("malformed JSON"):
            # Another tool's JSON that this JSON library cannot even finish: name what was found.
            raise InvalidFile(
                SOURCE,
                f"top-level keys are {_listed(keys)}; expected report_info and flaws_array ({problem})",
            ) from None
        raise


def _listed(keys: list[str]) -> str:
    shown = ", ".join(keys[:10]) + (", …" if len(keys) > 10 else "")
    return shown or "none"


def _json_kind(event: str) -> str:
    return {"start_map": "an object", "start_array": "a list", "null": "null"}.get(event, f"a {event}")


def _flaw_records(flaw: Any, index: int) -> Iterator[ScanRecord]:
    if not isinstance(flaw, dict):
        raise InvalidFile(SOURCE, f"flaws_array item {index} is {type(flaw).__name__}, expected an object")
    own_id = id_text(flaw.get("flaw_id")) or id_text(flaw.get("id"))
    where = f"flaws_array item {index}" + (f" (flaw_id {own_id})" if own_id else "")
    title = string(flaw.get("title")).strip()
    if not title:
        raise InvalidFile(SOURCE, f"{where} has no title")
    identifiers = flaw.get("common_identifiers")
    identifiers = identifiers if isinstance(identifiers, dict) else {}
    finding = ScanFinding(
        flaw_id=own_id or _ids.title_flaw_id(title),
        title=title,
        severity=_severity_of(flaw, where),
        description=rich_text(flaw.get("description")),
        recommendations=rich_text(flaw.get("recommendations")),
        references=_text.split_lines(rich_text(value_text_of(flaw.get("references")))),
        cves=_cves(identifiers.get("CVE")),
        cwes=_cwes(identifiers.get("CWE")),
        scores=_scores(flaw),
        tags=strings(flaw.get("tags")),
        fields=_fields(flaw),
    )
    code_samples = _evidence(identifiers.get("code_samples"))
    affected = flaw.get("affected_assets")
    entries = list(affected.items()) if isinstance(affected, dict) else list(enumerate(affected or []))
    if not entries:
        yield dataclasses.replace(finding, evidence=code_samples)
        return
    for position, (key, doc) in enumerate(entries):
        if not isinstance(doc, dict):
            raise InvalidFile(SOURCE, f"{where}: affected asset {key} is {type(doc).__name__}, expected an object")
        name = string(doc.get("asset")).strip() or str(key)
        yield asset_of(name, doc)
        evidence = _evidence(doc.get("evidence"))
        notes = _text.clean(string(doc.get("notes")))
        if notes:
            evidence += (Evidence(caption="Affected asset notes", code=notes),)
        if position == 0:
            evidence = code_samples + evidence
        sighting = dataclasses.replace(
            finding,
            asset=name,
            location_url=string(doc.get("locationUrl")).strip(),
            vulnerable_parameters=strings(doc.get("vulnerableParameters")),
        )
        ports = ports_of(doc.get("ports"))
        if not ports:
            yield dataclasses.replace(sighting, evidence=evidence)
        for number, port in enumerate(ports):
            yield dataclasses.replace(sighting, port=port, evidence=evidence if number == 0 else ())


def _severity_of(flaw: dict[str, Any], where: str) -> Severity:
    label = string(flaw.get("severity")).strip()
    if label:
        level = _severity.from_label(label)
        if level is None:
            allowed = ", ".join(s.value for s in Severity)
            raise InvalidFile(SOURCE, f"{where}: severity {label!r} is not one of {allowed}")
        return level
    sev = flaw.get("sev")
    by_index = _severity.from_scale(str(sev), _severity.PLEXTRAC_SEV_INDEX) if isinstance(sev, int) else None
    return by_index if by_index is not None and not isinstance(sev, bool) else Severity.INFORMATIONAL


def _cves(entries: Any) -> tuple[str, ...]:
    names = [string(e.get("name")) if isinstance(e, dict) else string(e) for e in as_list(entries)]
    return _ids.find_cves(*names)


def _cwes(entries: Any) -> tuple[int, ...]:
    found: list[int | None] = []
    for entry in as_list(entries):
        if isinstance(entry, dict):
            number = entry.get("id")
            found.append(number if isinstance(number, int) else _ids.parse_cwe(string(entry.get("name"))))
        else:
            found.append(_ids.parse_cwe(string(entry)))
    return tuple(dict.fromkeys(c for c in found if c is not None))


def _scores(flaw: dict[str, Any]) -> tuple[Score, ...]:
    scores: list[Score] = []
    fields = flaw.get("fields")
    field_scores = fields.get("scores") if isinstance(fields, dict) else None
    if isinstance(field_scores, dict):
        for key, entry in field_scores.items():
            kind = _FIELD_SCORE_KINDS.get(str(key).lower())
            if kind is None or not isinstance(entry, dict):
                continue
            vector, value = string(entry.get("calculation")).strip(), number_text(entry.get("value"))
            if kind == "CVSS3" and vector.startswith("CVSS:3.1/"):
                kind = "CVSS3_1"
            if vector or value:
                scores.append(Score(kind=kind, vector=vector, score=value))
    risk_score = flaw.get("risk_score")
    if isinstance(risk_score, dict):
        for key, entry in risk_score.items():
            kind = _RISK_SCORE_KINDS.get(str(key).upper())
            if kind is None or not isinstance(entry, dict):
                continue
            vector, value = string(entry.get("vector")).strip(), number_text(entry.get("overall"))
            if vector or value not in ("", "0", "0.0"):
                scores.append(Score(kind=kind, vector=vector, score=value))
    unique: dict[tuple[str, str, str], Score] = {}
    for score in scores:
        unique.setdefault((score.kind, _VECTOR_PREFIX_RE.sub("", score.vector), _score_key(score.score)), score)
    return tuple(unique.values())


def _score_key(value: str) -> str:
    try:
        return str(float(value))
    except ValueError:
        return value


def _fields(flaw: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    fields: list[tuple[str, str]] = []
    status = string(flaw.get("status")).strip()
    fields.append(("status", status or "Open"))
    sub_status = string(flaw.get("subStatus")).strip()
    if sub_status:
        fields.append(("subStatus", sub_status))
    custom = flaw.get("fields")
    if isinstance(custom, dict):
        for key, entry in custom.items():
            if key == "scores":
                general = entry.get("general") if isinstance(entry, dict) else None
                if isinstance(general, dict):
                    fields += [
                        (label, text)
                        for label, text in (
                            ("General Score", number_text(general.get("value"))),
                            ("General Score Label", string(general.get("label")).strip()),
                            ("General Score Calculation", string(general.get("calculation")).strip()),
                        )
                        if text
                    ]
                continue
            if isinstance(entry, dict):
                label = string(entry.get("label")).strip() or str(key)
                value = rich_text(value_text_of(entry.get("value")))
            else:
                label, value = str(key), rich_text(value_text_of(entry))
            if value:
                fields.append((label, value))
    return tuple(fields)


def _evidence(entries: Any) -> tuple[Evidence, ...]:
    """Code-sample evidence ({caption, code, …}); other shapes (ids, images) carry no text to keep."""
    evidence = []
    for entry in as_list(entries):
        if isinstance(entry, dict):
            code = string(entry.get("code"))
            if code.strip():
                evidence.append(Evidence(caption=string(entry.get("caption")).strip(), code=code))
    return tuple(evidence)
