"""The explicit list of parsers, keyed by PlexTrac source id. A duplicate id fails at import."""

from __future__ import annotations

from collections.abc import Mapping

from scanlift.errors import UserError
from scanlift.parsers.acunetix import AcunetixParser
from scanlift.parsers.base import Parser
from scanlift.parsers.burp import BurpParser
from scanlift.parsers.burphtml import BurpHtmlParser
from scanlift.parsers.checkmarx import CheckmarxParser
from scanlift.parsers.coreimpact import CoreImpactParser
from scanlift.parsers.hclappscan import HclAppScanParser
from scanlift.parsers.invicti import InvictiParser
from scanlift.parsers.nessus import NessusParser
from scanlift.parsers.nexpose import NexposeParser
from scanlift.parsers.nipper import NipperParser
from scanlift.parsers.nmap import NmapParser
from scanlift.parsers.nodeware import NodewareParser
from scanlift.parsers.nodezero import NodeZeroParser
from scanlift.parsers.offlinecsv import OfflineCsvParser
from scanlift.parsers.openvas import OpenVasParser
from scanlift.parsers.owaspzap import OwaspZapParser
from scanlift.parsers.pentera import PenteraParser
from scanlift.parsers.ptrac import PtracParser
from scanlift.parsers.qualys import QualysParser
from scanlift.parsers.veracode import VeracodeParser

#: Every file-import source id PlexTrac documents (api-notes §3.4), with a human label.
PLEXTRAC_SOURCES: Mapping[str, str] = {
    "acunetix": "Acunetix",
    "burp": "Burp Suite XML",
    "burphtml": "Burp Suite HTML",
    "checkmarx": "Checkmarx",
    "coreimpact": "Core Impact",
    "custom": "Custom",
    "hclappscan": "HCL AppScan",
    "horizon": "Horizon3.ai",
    "invicti": "Invicti",
    "nessus": "Nessus",
    "netsparker": "Netsparker",
    "nexpose": "Nexpose",
    "nipper": "Nipper",
    "nmap": "Nmap (Vulners NSE)",
    "nodeware": "Nodeware",
    "nodezero": "NodeZero",
    "offlinecsv": "CSV",
    "openvas": "OpenVAS",
    "owaspzap": "OWASP ZAP",
    "pentera": "Pentera",
    "ptrac": "PlexTrac PTRAC",
    "qualys": "Qualys",
    "rapidfire": "RapidFire",
    "scythe": "Scythe",
    "veracode": "Veracode",
}

#: Source ids that PlexTrac lists separately but that name the same file format.
ALIASES: Mapping[str, str] = {"horizon": "nodezero", "netsparker": "invicti"}

#: Sources whose file format has no public description: refused with a clear message rather than
#: guessed at (docs/sources.md says what is known and what would be needed).
NO_PUBLIC_SPECIFICATION = frozenset({"custom", "rapidfire", "scythe"})

_PARSERS: tuple[Parser, ...] = (
    AcunetixParser(),
    BurpParser(),
    BurpHtmlParser(),
    CheckmarxParser(),
    CoreImpactParser(),
    HclAppScanParser(),
    InvictiParser(),
    NessusParser(),
    NexposeParser(),
    NipperParser(),
    NmapParser(),
    NodewareParser(),
    NodeZeroParser(),
    OfflineCsvParser(),
    OpenVasParser(),
    OwaspZapParser(),
    PenteraParser(),
    PtracParser(),
    QualysParser(),
    VeracodeParser(),
)


def _index(parsers: tuple[Parser, ...]) -> dict[str, Parser]:
    index: dict[str, Parser] = {}
    for parser in parsers:
        if parser.source in index:
            raise RuntimeError(f"two parsers claim source {parser.source!r}")
        if parser.source not in PLEXTRAC_SOURCES:
            raise RuntimeError(f"parser source {parser.source!r} is not a PlexTrac source id")
        index[parser.source] = parser
    return index


PARSERS: Mapping[str, Parser] = _index(_PARSERS)


#: The source id that asks scanlift to detect the format from the file's content.
AUTO = "auto"


class UnknownSource(UserError):
    def __init__(self, source: str) -> None:
        valid = ", ".join(sorted({*PLEXTRAC_SOURCES, AUTO}))
        super().__init__(f"unknown source {source!r}; valid sources: {valid}")
        self.source = source


class UnsupportedSource(UserError):
    def __init__(self, source: str) -> None:
        if source in NO_PUBLIC_SPECIFICATION:
            reason = "no public format specification; see docs/sources.md"
        else:
            reason = "this scanlift version has no parser for it"
        super().__init__(f"unsupported source {source!r}: {reason}")
        self.source = source


def is_known_source(source: str) -> bool:
    return source in PLEXTRAC_SOURCES or source == AUTO


#: PlexTrac's asset-import source ids (the TypeScript worker's ``nmap-xml``, and the legacy
#: ``nmap``) -> the source whose parser yields the assets they import.
ASSET_SOURCES: Mapping[str, str] = {"nmap-xml": "nmap", "nmap": "nmap"}


def parser_for(source: str) -> Parser:
    """The parser for a PlexTrac source id; raises UnknownSource or UnsupportedSource."""
    if source not in PLEXTRAC_SOURCES:
        raise UnknownSource(source)
    parser = PARSERS.get(ALIASES.get(source, source))
    if parser is None:
        raise UnsupportedSource(source)
    return parser
