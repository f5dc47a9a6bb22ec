"""A Qualys finding in its two halves, and the join that puts them back together.

A Qualys finding is split in two: a *definition* (the knowledge-base entry for a QID: title,
severity, texts, CVEs, scores; ``definition`` applies Qualys's rules to it) and *sightings* (where
the QID was seen: asset, port or URL, the scanner's result). ``build`` joins one of each into a
``ScanFinding``.

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
from scanlift.parsers._lib.definitions import definition_spool
from scanlift.parsers._lib.spool import Spool
from scanlift.parsers.base import Evidence, FindingDefinition, Port, ScanFinding, Score, Severity

#: PlexTrac tags a Qualys finding "minimal" when its severity is 1.
MINIMAL_TAG = "minimal"
#: The note on a sighted QID whose definition never came.
_NO_ENTRY = "the file carries no knowledge-base entry for this QID"


def severity_of(level: str) -> Severity:
    """Qualys 0-5 level -> PlexTrac severity; anything unreadable is Informational."""
    return _severity.from_scale(level, _severity.ZERO_TO_FIVE) or Severity.INFORMATIONAL


def definition(
    *,
    qid: str,
    title: str,
    level: str,
    description: str = "",
    recommendations: str = "",
    references: tuple[str, ...] = (),
    cves: tuple[str, ...] = (),
    cwes: tuple[int, ...] = (),
    scores: tuple[Score, ...] = (),
    fields: tuple[tuple[str, str], ...] = (),
) -> FindingDefinition:
    """A QID's knowledge-base entry as the finding PlexTrac gets: identified by the QID, rated by
    the Qualys level (as written: "1".."5", "0" for some information-gathered QIDs), tagged
    "minimal" at level 1, and with the QID as the first field."""
    title = title or f"Qualys QID {qid}"
    return FindingDefinition(
        flaw_id=qid or _ids.title_flaw_id(title),
        title=title,
        severity=severity_of(level),
        description=description,
        recommendations=recommendations,
        references=references,
        cves=cves,
        cwes=cwes,
        scores=scores,
        tags=(MINIMAL_TAG,) if level.strip() == "1" else (),
        fields=(("Qualys QID", qid), *fields) if qid else fields,
    )


def placeholder(qid: str, level: str, note: str) -> FindingDefinition:
    """The definition of a QID whose knowledge-base entry the file does not carry, titled after
    the QID, with ``note`` saying why."""
    return definition(qid=qid, title=f"Qualys QID {qid}", level=level, fields=(("Qualys Note", note),))


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


def build(definition: FindingDefinition, sighting: Sighting) -> ScanFinding:
    """One ScanFinding from a QID's definition and one sighting of it."""
    return definition.sighted(
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
        self._definitions = definition_spool()

    def add_sighting(self, qid: str, sighting: Sighting) -> None:
        self._sightings.append((qid, sighting))

    def add_definition(self, qid: str, definition: FindingDefinition) -> None:
        """Keep the first definition of a QID (a report lists each QID once)."""
        if qid not in self._definitions:
            self._definitions.append(definition, key=qid)

    def findings(self, default_asset: str | None = None) -> Iterator[ScanFinding]:
        """Every sighting joined with its definition, QID by QID (ordered by QID, then document order).

        ``default_asset`` names the asset of sightings recorded without one (learned late in the file).
        """
        current: FindingDefinition | None = None
        current_qid = ""
        for qid, sighting in self._sightings.grouped():
            if current is None or qid != current_qid:
                current_qid = qid
                current = self._definitions.find(qid) or placeholder(qid, "", _NO_ENTRY)
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
