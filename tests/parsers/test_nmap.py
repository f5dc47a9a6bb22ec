"""Nmap XML parser (Vulners NSE findings + host assets), checked against the corpus samples.

Expected counts are derived from each file with a plain lxml parse. The files under
``fixtures/nmap/`` are hand-made from the public Nmap XML format (nmap.dtd) and vulners.nse output:
``handmade_hosts.xml`` (IPv4+MAC+OS, IPv6-only host, down host, closed/filtered ports, two CPE
tables) and ``handmade_vulners_text_only.xml`` (an older vulners.nse without ``<table>`` output).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from lxml import etree

from scanlift.parsers.base import InvalidFile, Port, Severity, Sniff
from scanlift.parsers.nmap import NmapParser, iter_nmap_assets
from scanlift.parsers.runner import open_upload
from tests.parsers.records import assets_of, findings_of, parse_file

FIXTURES = Path(__file__).parent / "fixtures" / "nmap"
CORPUS_FILES = (
    "issue12411.xml",
    "issue4406.xml",
    "nmap_0port.xml",
    "nmap_1port.xml",
    "nmap_multiple_port.xml",
    "nmap_script_vulners.xml",
)
FIXTURE_FILES = ("handmade_hosts.xml", "handmade_vulners_text_only.xml")
CVE_RE = re.compile(r"CVE-\d{4}-\d{4,}", re.IGNORECASE)

parser = NmapParser()


def _path(corpus_dir: Path, name: str) -> Path:
    return FIXTURES / name if name.startswith("handmade") else corpus_dir / "nmap" / name


def _up_hosts(root: etree._Element) -> list[etree._Element]:
    return [h for h in root.iter("host") if h.find("status") is None or h.find("status").get("state") == "up"]


def _vulners_ids(host: etree._Element) -> list[str]:
    ids = []
    for port in host.iter("port"):
        if port.find("state").get("state") != "open":
            continue
        for script in port.iter("script"):
            if script.get("id") != "vulners":
                continue
            elems = script.xpath("table/table/elem[@key='id']")
            if elems:
                ids += [e.text for e in elems]
            else:
                ids += [line.split()[0] for line in script.get("output").splitlines() if "vulners.com" in line]
    return ids


@pytest.mark.parametrize("name", [*CORPUS_FILES, *FIXTURE_FILES])
def test_counts_match_the_file(corpus_dir: Path, name: str) -> None:
    path = _path(corpus_dir, name)
    root = etree.parse(str(path)).getroot()
    hosts = _up_hosts(root)
    records = parse_file(parser, path)
    findings, assets = findings_of(records), assets_of(records)

    assert len(assets) == len(hosts)
    for asset, host in zip(assets, hosts, strict=True):
        open_ports = [p for p in host.iter("port") if p.find("state").get("state") == "open"]
        assert [p.number for p in asset.ports] == [p.get("portid") for p in open_ports]
        hostnames = [h.get("name") for h in host.iter("hostname")]
        ips = [a.get("addr") for a in host.iter("address") if a.get("addrtype") != "mac"]
        assert asset.name == (hostnames[0] if hostnames else ips[0])
        assert set(asset.ips) == set(ips)
        assert {f.flaw_id for f in findings if f.asset == asset.name} == set(_vulners_ids(host))
    assert len(findings) == sum(len(_vulners_ids(h)) for h in hosts)
    raw_cves = {c.upper() for c in CVE_RE.findall(path.read_text(encoding="utf-8"))}
    assert {c for f in findings for c in f.cves} == raw_cves


@pytest.mark.parametrize("name", [*CORPUS_FILES, *FIXTURE_FILES])
def test_iter_nmap_assets_matches_the_parser(corpus_dir: Path, name: str) -> None:
    path = _path(corpus_dir, name)
    with path.open("rb") as stream:
        assert list(iter_nmap_assets(open_upload(stream, source="nmap"))) == assets_of(parse_file(parser, path))


def test_files_without_vulners_yield_assets_only(corpus_dir: Path) -> None:
    for name in ("issue12411.xml", "nmap_0port.xml", "nmap_1port.xml", "nmap_multiple_port.xml"):
        records = parse_file(parser, corpus_dir / "nmap" / name)
        assert findings_of(records) == []
        assert assets_of(records)


def test_only_open_ports_become_asset_ports(corpus_dir: Path) -> None:
    google, amazon = assets_of(parse_file(parser, corpus_dir / "nmap" / "issue12411.xml"))
    assert google.name == "google.com"
    assert google.hostname == "google.com"
    assert google.ips == ("172.217.18.238",)
    assert [p.number for p in amazon.ports] == ["80", "443"]
    assert amazon.ports[0] == Port(number="80", protocol="tcp", service="http", version="")


def test_vulners_spot_checks(corpus_dir: Path) -> None:
    records = parse_file(parser, corpus_dir / "nmap" / "nmap_script_vulners.xml")
    (asset,) = assets_of(records)
    assert asset.name == "192.168.0.1"
    assert asset.ports == (Port(number="5022", protocol="tcp", service="ssh", version="OpenSSH 7.4 (protocol 2.0)"),)
    first, second = findings_of(records)
    assert (first.flaw_id, first.title, first.severity) == (
        "CVE-2018-15919",
        "CVE-2018-15919",
        Severity.MEDIUM,
    )
    assert first.cves == ("CVE-2018-15919",)
    assert first.references == ("https://vulners.com/cve/CVE-2018-15919",)
    assert first.port == asset.ports[0]
    assert first.asset == "192.168.0.1"
    (evidence,) = first.evidence
    assert evidence.caption == "Nmap vulners output (tcp/5022 ssh)"
    assert evidence.code == "cpe:/a:openbsd:openssh:7.4\nCVE-2018-15919\t5.0\thttps://vulners.com/cve/CVE-2018-15919"
    assert second.flaw_id == "CVE-2017-15906"

    findings = findings_of(parse_file(parser, corpus_dir / "nmap" / "issue4406.xml"))
    assert len(findings) == 42
    exploit = next(f for f in findings if f.flaw_id == "EDB-ID:46516")
    assert exploit.tags == ("exploit",)
    assert ("Vulners Type", "exploitdb") in exploit.fields
    zero = next(f for f in findings if f.flaw_id == "PACKETSTORM:151227")
    assert zero.severity is Severity.INFORMATIONAL
    msf = next(f for f in findings if f.flaw_id == "MSF:ILITIES/UBUNTU-CVE-2019-6111/")
    assert msf.cves == ("CVE-2019-6111",)


def test_handmade_hosts() -> None:
    records = parse_file(parser, FIXTURES / "handmade_hosts.xml")
    v4, v6 = assets_of(records)
    assert (v4.name, v4.ips, v4.mac, v4.hostname) == ("10.0.0.5", ("10.0.0.5",), "00:0C:29:AA:BB:CC", "")
    assert v4.operating_system == "Linux 5.0 - 5.5"
    assert v4.ports == (
        Port(number="80", protocol="tcp", service="http", version="Apache httpd 2.4.49 ((Unix))"),
        Port(number="161", protocol="udp", service="snmp", version="net-snmp 5.9"),
    )
    assert (v6.name, v6.ips, v6.fqdn) == ("ns1.example.org", ("2001:db8::10",), "ns1.example.org")
    assert v6.ports == (Port(number="53", protocol="udp", service="domain", version="ISC BIND 9.11.4"),)

    findings = findings_of(records)
    assert [(f.flaw_id, f.severity) for f in findings] == [
        ("CVE-2021-42013", Severity.CRITICAL),
        ("EDB-ID:50383", Severity.HIGH),
        ("CVE-2021-21702", Severity.HIGH),
    ]
    assert findings[2].evidence[0].code.startswith("cpe:/a:php:php:8.0.0\n")


def test_text_only_vulners_output() -> None:
    records = parse_file(parser, FIXTURES / "handmade_vulners_text_only.xml")
    (asset,) = assets_of(records)
    assert (asset.name, asset.fqdn) == ("web.example.com", "web.example.com")
    findings = findings_of(records)
    assert [f.flaw_id for f in findings] == ["CVE-2019-9511", "CVE-2018-16843", "PACKETSTORM:153390"]
    assert findings[0].severity is Severity.HIGH
    assert findings[0].references == ("https://vulners.com/cve/CVE-2019-9511",)
    assert findings[2].tags == ("exploit",)
    assert ("Vulners Type", "packetstorm") in findings[2].fields
    assert findings[2].evidence[0].code == (
        "cpe:/a:igor_sysoev:nginx:1.14.0\nPACKETSTORM:153390\t0.0\thttps://vulners.com/packetstorm/PACKETSTORM:153390\t*EXPLOIT*"
    )


def test_sniff_accepts_every_sample(corpus_dir: Path) -> None:
    for name in (*CORPUS_FILES, *FIXTURE_FILES):
        path = _path(corpus_dir, name)
        assert parser.sniff(Sniff(path.read_bytes()[:65536], path.name)), name


@pytest.mark.parametrize("other", ["nessus", "nexpose", "openvas", "qualys", "burp", "zap", "acunetix"])
def test_sniff_rejects_other_tools(corpus_dir: Path, other: str) -> None:
    paths = sorted(p for p in (corpus_dir / other).iterdir() if p.is_file())
    assert paths
    for path in paths:
        assert not parser.sniff(Sniff(path.read_bytes()[:65536], path.name)), path


def test_wrong_format_names_what_was_found(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile) as caught:
        parse_file(parser, corpus_dir / "nexpose" / "dns.xml")
    assert caught.value.source == "nmap"
    assert "root element is <NexposeReport>, expected <nmaprun>" in str(caught.value)
    with pytest.raises(InvalidFile, match="invalid nmap file: not XML"):
        list(iter_nmap_assets(open_upload(io.BytesIO(b"Nmap scan report for 10.0.0.1\n"), source="nmap")))
