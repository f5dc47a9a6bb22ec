"""The one contract every scanner parser implements, and the records they yield.

A parser yields *occurrences*: one ``ScanFinding`` per (finding, asset, port) sighting, plus
``ScanAsset`` records describing hosts. Grouping occurrences into report findings, affected
assets and evidence is the merger's job, so no parser keeps its own dedupe dictionary.
"""

from __future__ import annotations

import codecs
import enum
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import BinaryIO, ClassVar, Protocol

from scanlift.errors import UserError
from scanlift.parsers._lib.sniff import XmlRoot, bom_encoding, xml_root


class Severity(enum.StrEnum):
    """PlexTrac's five levels, ordered from least to most severe."""

    INFORMATIONAL = "Informational"
    LOW = "Low"
    MEDIUM = "Medium"
    HIGH = "High"
    CRITICAL = "Critical"


@dataclass(frozen=True, slots=True, kw_only=True)
class Port:
    #: Port number as text, the way PlexTrac keys its ports maps ("443").
    number: str
    #: Transport protocol, lower case ("tcp", "udp").
    protocol: str = "tcp"
    #: Service name as the scanner reported it ("https", "ssh").
    service: str = ""
    version: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanAsset:
    """A host, application or device that the scan saw. ``name`` is its identity per client."""

    name: str
    ips: tuple[str, ...] = ()
    hostname: str = ""
    fqdn: str = ""
    netbios: str = ""
    mac: str = ""
    operating_system: str = ""
    #: One of PlexTrac's asset types (Workstation, Server, Network Device, Application, General), or "".
    type: str = ""
    #: Host-level facts that no other field holds (e.g. Nessus's patch summary with its CVEs).
    description: str = ""
    ports: tuple[Port, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    caption: str
    #: Raw scanner output, request/response pair or code path, kept verbatim.
    code: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Score:
    #: "CVSS2", "CVSS3", "CVSS3_1" or "CVSS4".
    kind: str
    vector: str = ""
    score: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingDefinition:
    """What a finding is, wherever it is seen: its identity, rating and texts.

    Scanners that define a check once and report it on many hosts (a Nessus plugin, a Qualys QID,
    a Nexpose vulnerability definition) are read into one of these, and each sighting is stamped
    with it by ``sighted``. ``ScanFinding`` extends it, so the two never disagree on a field.
    """

    #: The tool's own stable id (plugin id, QID, issue type…), else ``title_flaw_id(title)``.
    flaw_id: str
    title: str
    severity: Severity
    description: str = ""
    recommendations: str = ""
    references: tuple[str, ...] = ()
    #: Every CVE id found for the finding, upper case ("CVE-2021-44228").
    cves: tuple[str, ...] = ()
    #: CWE numbers (79, not "CWE-79").
    cwes: tuple[int, ...] = ()
    scores: tuple[Score, ...] = ()
    tags: tuple[str, ...] = ()
    #: Extra scanner fields kept as PlexTrac custom fields: (label, value).
    fields: tuple[tuple[str, str], ...] = ()

    def sighted(
        self,
        *,
        asset: str | None,
        port: Port | None = None,
        location_url: str = "",
        vulnerable_parameters: tuple[str, ...] = (),
        evidence: tuple[Evidence, ...] = (),
        severity: Severity | None = None,
    ) -> ScanFinding:
        """This finding as seen once; ``severity`` is for scanners that rate each sighting."""
        definition = {name: getattr(self, name) for name in _DEFINITION_FIELDS}
        if severity is not None:
            definition["severity"] = severity
        return ScanFinding(
            **definition,
            asset=asset,
            port=port,
            location_url=location_url,
            vulnerable_parameters=vulnerable_parameters,
            evidence=evidence,
        )


#: What a sighting takes over from its definition: every field of a definition, in order.
_DEFINITION_FIELDS = tuple(item.name for item in fields(FindingDefinition))


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanFinding(FindingDefinition):
    """One sighting of a finding, optionally on one asset and port.

    The sighting's fields come after the definition's: records are dumped field by field, in
    order (``scanlift parse`` writes ``dataclasses.asdict``), so the order is part of the output.
    """

    #: Name of the affected asset (matches ``ScanAsset.name``); None for a finding with no asset.
    asset: str | None = None
    port: Port | None = None
    location_url: str = ""
    vulnerable_parameters: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = field(default=())


ScanRecord = ScanAsset | ScanFinding


@dataclass(frozen=True, slots=True)
class Sniff:
    """What the first bytes of a file say, worked out once before any parser sees the file.

    Detection asks every parser about the same head, and the chosen parser gets it again with the
    stream, so the XML root, the text encoding and the kind of document are read here only once.
    """

    head: bytes
    filename: str = ""
    #: The document's root element, when the head is the start of an XML document.
    xml_root: XmlRoot | None = field(init=False, compare=False)
    #: "xml", "json" or "text" (CSV and anything else that is neither).
    kind: str = field(init=False, compare=False)
    #: The encoding the byte-order mark names ("utf-8-sig", "utf-16-le", "utf-16-be"), else "utf-8".
    encoding: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        root = xml_root(self.head)
        object.__setattr__(self, "xml_root", root)
        object.__setattr__(self, "encoding", bom_encoding(self.head))
        text_start = self.head.lstrip(codecs.BOM_UTF8).lstrip()[:1]
        kind = "xml" if root is not None else "json" if text_start in (b"{", b"[") else "text"
        object.__setattr__(self, "kind", kind)

    @property
    def root_name(self) -> str:
        """The XML root's local name, or "" when the file is not XML."""
        return self.xml_root.name if self.xml_root is not None else ""


@dataclass(frozen=True, slots=True)
class Upload:
    """What a parser receives: what the sniff saw, and a stream over the whole file from its first
    byte (the head is replayed, never read twice from storage). Emptiness and binary content were
    refused before a parser is called."""

    head: Sniff
    stream: BinaryIO


class Parser(Protocol):
    #: PlexTrac source id, e.g. "nessus".
    source: ClassVar[str]
    #: Human name used in messages, e.g. "Nessus".
    label: ClassVar[str]

    def sniff(self, head: Sniff) -> bool:
        """True when the first bytes look like this parser's format."""
        ...

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        """Yield records while reading ``upload.stream`` once, front to back."""
        ...


class InvalidFile(UserError):
    """The file is not a valid file of the format its parser expects."""

    #: A cause is a sentence, not a copy of the file: a problem that quotes a huge value is cut.
    MAX_PROBLEM_CHARS = 600

    def __init__(self, source: str, problem: str) -> None:
        problem = excerpt(problem, self.MAX_PROBLEM_CHARS)
        super().__init__(f"invalid {source} file: {problem}")
        self.source = source
        self.problem = problem


def excerpt(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    kept = limit
    for _ in range(3):  # the marker's own length depends on the count it states
        marker = f"… [{len(text) - kept} more characters]"
        kept = max(limit - len(marker), 0)
    return text[:kept] + f"… [{len(text) - kept} more characters]"
