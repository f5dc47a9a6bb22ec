"""What the OpenVAS XML and CSV results share: the description sections, references, severity
rule and asset naming, and the one-asset-per-host bookkeeping."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers.base import ScanAsset, Severity

#: nvt/tags keys composing the description, in PlexTrac's order, with the CSV column names as labels.
DESCRIPTION_TAGS = (
    ("summary", "Summary"),
    ("impact", "Impact"),
    ("insight", "Vulnerability Insight"),
    ("affected", "Affected Software/OS"),
    ("vuldetect", "Vulnerability Detection Method"),
)


@dataclass(slots=True)
class Hosts:
    """One entry per host, so each host gets exactly one ScanAsset."""

    seen: dict[str, str] = field(default_factory=dict)
    described: set[str] = field(default_factory=set)

    def note(self, host: str, hostname: str) -> None:
        if host and host not in self.described and not self.seen.get(host):
            self.seen[host] = hostname

    def describe(self, asset: ScanAsset) -> ScanAsset:
        hostname = self.seen.pop(asset.name, "")
        self.described.add(asset.name)
        if hostname and not asset.hostname and not asset.fqdn:
            return host_asset(asset.name, hostname, os=asset.operating_system, mac=asset.mac)
        return asset

    def rest(self) -> Iterator[ScanAsset]:
        for host, hostname in self.seen.items():
            yield host_asset(host, hostname)
        self.seen.clear()


@dataclass(slots=True)
class Refs:
    urls: list[str] = field(default_factory=list)
    certs: list[str] = field(default_factory=list)
    cves: list[str] = field(default_factory=list)
    bids: list[str] = field(default_factory=list)
    cwes: tuple[int, ...] = ()

    def references(self) -> tuple[str, ...]:
        return _ids.unique([*self.urls, *self.certs, *self.cves, *(f"BID: {b}" for b in self.bids)])


def severity_of(threat: str, score: str) -> Severity:
    """The threat label 1:1 (Log/Debug -> Informational), else the numeric severity as CVSS."""
    return (
        _severity.from_scale(threat.lower(), _severity.OPENVAS_THREATS)
        or _severity.from_label(threat)
        or _severity.from_cvss(score)
        or Severity.INFORMATIONAL
    )


def description_text(parts: Iterable[str]) -> str:
    sections = []
    for (_key, label), text in zip(DESCRIPTION_TAGS, parts, strict=True):
        cleaned = _text.clean(text)
        if cleaned:
            sections.append(cleaned if label == "Summary" else f"{label}:\n{cleaned}")
    return "\n\n".join(sections)


def cert_reference(ref_id: str, label: str) -> str:
    """ "CERT-Bund: WID-SEC-2025-1850"; an id that already names its source ("DFN-CERT-…") stays bare."""
    if not label and ref_id.upper().startswith(("WID-SEC-", "CB-K")):
        label = "CERT-Bund"
    if not label or ref_id.upper().startswith(label.upper()):
        return ref_id
    return f"{label}: {ref_id}"


def split_list(text: str, none_marker: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip() and p.strip().upper() != none_marker]


def host_asset(host: str, hostname: str, *, os: str = "", mac: str = "") -> ScanAsset:
    hostname = hostname.strip()
    return ScanAsset(
        name=host,
        ips=(host,) if _ids.is_ip(host) else (),
        hostname=hostname.split(".", 1)[0] if hostname and not _ids.is_ip(hostname) else "",
        fqdn=hostname if "." in hostname and not _ids.is_ip(hostname) else "",
        mac=mac.strip(),
        operating_system=os.strip(),
    )
