"""Small helpers for PlexTrac's JSON shapes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol, overload

from scanlift.schemas import PortObject, PortsMap


def same_named(source: object, *names: str) -> dict[str, Any]:
    """The attributes of ``source`` that a response object carries under the same names.

    Only the verbatim copies go through here; a field that is renamed or converted is written
    out beside it, where the difference shows. The response model validates every value.
    """
    return {name: getattr(source, name) for name in names}


@overload
def epoch_ms(moment: datetime) -> int: ...
@overload
def epoch_ms(moment: datetime | None) -> int | None: ...
def epoch_ms(moment: datetime | None) -> int | None:
    return int(moment.timestamp() * 1000) if moment is not None else None


@overload
def iso_z(moment: datetime) -> str: ...
@overload
def iso_z(moment: datetime | None) -> str | None: ...
def iso_z(moment: datetime | None) -> str | None:
    """``2025-05-15T16:02:00.232Z``, the format of the import job's timestamps."""
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def flaw_id_value(flaw_id: str) -> int | str:
    """PlexTrac's flaw ids are integers; ids that are not (an OpenVAS OID) stay strings."""
    return int(flaw_id) if flaw_id.isdigit() and len(flaw_id) < 19 else flaw_id


class PortLike(Protocol):
    @property
    def number(self) -> str: ...
    @property
    def protocol(self) -> str: ...
    @property
    def service(self) -> str: ...


def ports_map(ports: Iterable[PortLike]) -> PortsMap:
    """PlexTrac's ports map, keyed by number; a non-TCP port is keyed ``53/udp`` so none collide."""
    # By number without converting it: stored data must never break a read (a 5,000-digit "port" did).
    ordered = sorted(ports, key=lambda p: ((len(p.number), p.number) if p.number.isdigit() else (0, ""), p.protocol))
    return {
        p.number if p.protocol == "tcp" else f"{p.number}/{p.protocol}": PortObject(
            number=p.number,
            protocol=p.protocol,
            service=p.service,
            version=str(getattr(p, "version", "")),
        )
        for p in ordered
    }
