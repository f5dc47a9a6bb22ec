"""A Qualys finding in its two halves, and the join that puts them back together.

A Qualys finding is split in two: a *definition* (the knowledge-base entry for a QID: title,
severity, texts, CVEs, scores) and *sightings* (where the QID was seen: asset, port or URL, the
scanner's result). ``build`` joins one of each into a ``ScanFinding``.

Report formats that print the knowledge base (the "glossary") after the host or URL sections
need a join that does not hold the file in memory: ``Join`` parks the sightings and the
definitions in shared deferred-join spools (``_lib/spool.py``) and, once the document has been
read, yields every sighting joined with its definition, QID by QID (in document order within a
QID), so that each definition is read back once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib.spool import Spool
from scanlift.parsers.base import Evidence, Port, ScanFinding, Score, Severity

#: PlexTrac tags a Qualys finding "minimal" when its severity is 1.
MINIMAL_TAG = "minimal"


def severity_of(level: str) -> Severity:
    """Qualys 0-5 level -> PlexTrac severity; anything unreadable is Informational."""
    return _severity.from_scale(level, _severity.ZERO_TO_FIVE) or Severity.INFORMATIONAL


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

    def to_json(self) -> dict[str, Any]:
        return {
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

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Definition:
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

    def to_json(self) -> dict[str, Any]:
        port = self.port
        return {
            "asset": self.asset,
            "port": [port.number, port.protocol, port.service] if port else None,
            "url": self.location_url,
            "params": list(self.parameters),
            "evidence": [[e.caption, e.code] for e in self.evidence],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Sighting:
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


def _qid_sighting(pair: tuple[str, Sighting]) -> list[Any]:
    return [pair[0], pair[1].to_json()]


def _qid_sighting_of(data: list[Any]) -> tuple[str, Sighting]:
    return str(data[0]), Sighting.from_json(data[1])


def _qid_of(pair: tuple[str, Sighting]) -> str:
    return pair[0]


class Join:
    """Sightings joined with definitions that the file prints after them, without holding either
    in memory: both wait on disk, and only the definition of the QID being joined is decoded."""

    def __init__(self) -> None:
        self._sightings = Spool(_qid_sighting, _qid_sighting_of, group_by=_qid_of)
        self._definitions = Spool(Definition.to_json, Definition.from_json)

    def add_sighting(self, qid: str, sighting: Sighting) -> None:
        self._sightings.append((qid, sighting))

    def add_definition(self, definition: Definition) -> None:
        """Keep the first definition of a QID (a report lists each QID once)."""
        if definition.qid not in self._definitions:
            self._definitions.append(definition, key=definition.qid)

    def findings(self, default_asset: str | None = None) -> Iterator[ScanFinding]:
        """Every sighting joined with its definition, QID by QID (ordered by QID, then document order).

        ``default_asset`` names the asset of sightings recorded without one (learned late in the file).
        """
        current: Definition | None = None
        for qid, sighting in self._sightings.grouped():
            if current is None or current.qid != qid:
                current = self._definitions.find(qid) or Definition.missing(qid)
            if sighting.asset is None and default_asset:
                sighting = dataclasses.replace(sighting, asset=default_asset)
            yield build(current, sighting)

    def close(self) -> None:
        self._sightings.close()
        self._definitions.close()

    def __enter__(self) -> Join:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
