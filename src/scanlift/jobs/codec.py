"""Records to plain tuples and back, for the spool.

``marshal`` of tuples of strings is several times faster than pickling frozen dataclasses,
and the spool is written and read by the same worker process, so its format never has to
outlive one import.
"""

from __future__ import annotations

from typing import Any

from scanlift.parsers.base import Evidence, Port, ScanAsset, ScanFinding, ScanRecord, Score, Severity

_ASSET = 0
_FINDING = 1


def _port(port: Port | None) -> tuple[str, str, str, str] | None:
    return None if port is None else (port.number, port.protocol, port.service, port.version)


def _unport(data: Any) -> Port | None:
    return None if data is None else Port(number=data[0], protocol=data[1], service=data[2], version=data[3])


def encode(record: ScanRecord) -> tuple[Any, ...]:
    if isinstance(record, ScanFinding):
        return (
            _FINDING,
            record.flaw_id,
            record.title,
            record.severity.value,
            record.description,
            record.recommendations,
            record.references,
            record.cves,
            record.cwes,
            tuple((s.kind, s.vector, s.score) for s in record.scores),
            record.tags,
            record.fields,
            record.asset,
            _port(record.port),
            record.location_url,
            record.vulnerable_parameters,
            tuple((e.caption, e.code) for e in record.evidence),
        )
    return (
        _ASSET,
        record.name,
        record.ips,
        record.hostname,
        record.fqdn,
        record.netbios,
        record.mac,
        record.operating_system,
        record.type,
        tuple(_port(p) for p in record.ports),
        record.description,
    )


def decode(data: tuple[Any, ...]) -> ScanRecord:
    if data[0] == _FINDING:
        return ScanFinding(
            flaw_id=data[1],
            title=data[2],
            severity=Severity(data[3]),
            description=data[4],
            recommendations=data[5],
            references=data[6],
            cves=data[7],
            cwes=data[8],
            scores=tuple(Score(kind=k, vector=v, score=s) for k, v, s in data[9]),
            tags=data[10],
            fields=data[11],
            asset=data[12],
            port=_unport(data[13]),
            location_url=data[14],
            vulnerable_parameters=data[15],
            evidence=tuple(Evidence(caption=c, code=code) for c, code in data[16]),
        )
    return ScanAsset(
        name=data[1],
        ips=data[2],
        hostname=data[3],
        fqdn=data[4],
        netbios=data[5],
        mac=data[6],
        operating_system=data[7],
        type=data[8],
        ports=tuple(p for p in (_unport(x) for x in data[9]) if p is not None),
        description=data[10],
    )
