"""Finding definitions: stamped on sightings (parsers/base.py) and parked in a spool (parsers/_lib/definitions.py)."""

from __future__ import annotations

import dataclasses

from scanlift.parsers._lib.definitions import definition_spool
from scanlift.parsers.base import Evidence, FindingDefinition, Port, ScanFinding, Score, Severity

DEFINITION = FindingDefinition(
    flaw_id="19506",
    title="Nessus Scan Information",
    severity=Severity.MEDIUM,
    description="é\ttab\nand a line",
    recommendations="Patch.",
    references=("https://example.com/a", "https://example.com/b"),
    cves=("CVE-2021-44228",),
    cwes=(79, 89),
    scores=(Score(kind="CVSS3", vector="CVSS:3.0/AV:N", score="5.3"), Score(kind="CVSS2")),
    tags=("minimal",),
    fields=(("Plugin Family", "Settings"), ("Risk Factor", "Medium")),
)


def test_a_sighting_carries_the_whole_definition_and_its_own_place() -> None:
    port = Port(number="443", service="https")
    evidence = (Evidence(caption="Plugin output", code="text"),)
    finding = DEFINITION.sighted(asset="10.0.0.1", port=port, location_url="/x", evidence=evidence)
    assert type(finding) is ScanFinding
    assert finding == ScanFinding(
        **{f.name: getattr(DEFINITION, f.name) for f in dataclasses.fields(FindingDefinition)},
        asset="10.0.0.1",
        port=port,
        location_url="/x",
        evidence=evidence,
    )


def test_a_sighting_rated_on_its_own_keeps_that_rating() -> None:
    assert DEFINITION.sighted(asset=None, severity=Severity.LOW).severity is Severity.LOW
    assert DEFINITION.sighted(asset=None).severity is Severity.MEDIUM


def test_the_finding_fields_keep_their_order_with_the_sighting_last() -> None:
    names = [f.name for f in dataclasses.fields(ScanFinding)]
    assert names[:11] == [f.name for f in dataclasses.fields(FindingDefinition)]
    assert names[11:] == ["asset", "port", "location_url", "vulnerable_parameters", "evidence"]


def test_definitions_come_back_from_the_spool_unchanged() -> None:
    bare = FindingDefinition(flaw_id="x", title="", severity=Severity.INFORMATIONAL)
    with definition_spool() as spool:
        spool.append(DEFINITION, key="19506")
        spool.append(bare, key="x")
        assert spool.find("19506") == DEFINITION
        assert spool.find("x") == bare
        assert list(spool) == [DEFINITION, bare]
