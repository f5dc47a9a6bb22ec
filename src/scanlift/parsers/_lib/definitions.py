"""Finding definitions parked in a deferred-join spool, and read back.

Qualys and Nexpose files can print a definition on the other side of the sightings that need it,
so those parsers park definitions in a ``Spool`` and decode only the one being joined. A
definition is stored as one JSON array, in field order, which keeps the spool's lines short.
"""

from __future__ import annotations

from typing import Any

from scanlift.parsers._lib.spool import Spool
from scanlift.parsers.base import FindingDefinition, Score, Severity


def definition_spool() -> Spool[FindingDefinition]:
    """A spool of definitions; close it (or use it as a context manager) when the join is done."""
    return Spool(_encode, _decode)


def _encode(definition: FindingDefinition) -> list[Any]:
    return [
        definition.flaw_id,
        definition.title,
        definition.severity.value,
        definition.description,
        definition.recommendations,
        definition.references,
        definition.cves,
        definition.cwes,
        [[score.kind, score.vector, score.score] for score in definition.scores],
        definition.tags,
        definition.fields,
    ]


def _decode(data: list[Any]) -> FindingDefinition:
    flaw_id, title, severity, description, recommendations, references, cves, cwes, scores, tags, fields = data
    return FindingDefinition(
        flaw_id=flaw_id,
        title=title,
        severity=Severity(severity),
        description=description,
        recommendations=recommendations,
        references=tuple(references),
        cves=tuple(cves),
        cwes=tuple(cwes),
        scores=tuple(Score(kind=kind, vector=vector, score=score) for kind, vector, score in scores),
        tags=tuple(tags),
        fields=tuple((label, value) for label, value in fields),
    )
