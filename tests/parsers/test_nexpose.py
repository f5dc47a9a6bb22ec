"""Nexpose XML Export parser, checked against the real samples in the corpus.

Expected counts are derived from each file with a plain lxml parse (tests may load whole small
files). ``fixtures/nexpose/handmade_definitions_first.xml`` is hand-made from the public XML Export
2.0 layout, with its definitions deliberately placed before the nodes.
"""

from __future__ import annotations

import io
import re
import tracemalloc
from pathlib import Path

import pytest
from lxml import etree

from scanlift.parsers.base import InvalidFile, Port, Severity, Sniff
from scanlift.parsers.nexpose import NexposeParser
from tests.parsers.records import assets_of, findings_of, parse_file, run_parser

FIXTURES = Path(__file__).parent / "fixtures" / "nexpose"
CORPUS_FILES = ("dns.xml", "many_vulns.xml", "no_vuln.xml", "report_auth.xml")
CVE_RE = re.compile(r"CVE-\d{4}-\d{4,}", re.IGNORECASE)

parser = NexposeParser()


def _all_files(corpus_dir: Path) -> list[Path]:
    return [corpus_dir / "nexpose" / name for name in CORPUS_FILES] + [FIXTURES / "handmade_definitions_first.xml"]


def _vulnerable_tests(root: etree._Element) -> list[etree._Element]:
    return [t for t in root.iter("test") if (t.get("status") or "").startswith("vulnerable")]


def _expected_severity(raw: str) -> Severity:
    value = int(raw)
    if value >= 9:
        return Severity.CRITICAL
    if value >= 7:
        return Severity.HIGH
    if value >= 4:
        return Severity.MEDIUM
    if value >= 1:
        return Severity.LOW
    return Severity.INFORMATIONAL


@pytest.mark.parametrize("name", [*CORPUS_FILES, "handmade"])
def test_counts_match_the_file(corpus_dir: Path, name: str) -> None:
    path = next(p for p in _all_files(corpus_dir) if p.name.startswith(name))
    root = etree.parse(str(path)).getroot()
    tests = _vulnerable_tests(root)
    records = parse_file(parser, path)
    findings, assets = findings_of(records), assets_of(records)

    assert len(findings) == len(tests)
    assert {f.flaw_id for f in findings} == {t.get("id", "").lower() for t in tests}
    assert len(assets) == len(list(root.iter("node")))
    addresses = [n.get("address") or n.findtext("names/name") for n in root.iter("node")]
    assert [a.name for a in assets] == addresses
    assert {f.asset for f in findings} <= {a.name for a in assets}


@pytest.mark.parametrize("name", [*CORPUS_FILES, "handmade"])
def test_text_severity_and_cves_come_from_the_definition(corpus_dir: Path, name: str) -> None:
    path = next(p for p in _all_files(corpus_dir) if p.name.startswith(name))
    root = etree.parse(str(path)).getroot()
    definitions = {v.get("id", "").lower(): v for v in root.iter("vulnerability")}
    findings = findings_of(parse_file(parser, path))

    for finding in findings:
        definition = definitions.get(finding.flaw_id)
        if definition is None:
            assert finding.severity is Severity.INFORMATIONAL
            assert ("Nexpose Definition", "missing from the file") in finding.fields
            continue
        assert finding.title == definition.get("title")
        assert finding.severity is _expected_severity(definition.get("severity", "0"))
        assert ("Nexpose Severity", definition.get("severity")) in finding.fields
        raw = etree.tostring(definition, encoding="unicode")
        expected_cves = {c.upper() for c in CVE_RE.findall(raw)}
        assert expected_cves <= set(finding.cves)
        references = [r.text.strip() for r in definition.iter("reference") if r.get("source") == "URL"]
        assert set(references) <= set(finding.references)


def test_cves_are_all_present_in_the_raw_file(corpus_dir: Path) -> None:
    for path in _all_files(corpus_dir):
        raw = {c.upper() for c in CVE_RE.findall(path.read_text(encoding="utf-8"))}
        parsed = {c for f in findings_of(parse_file(parser, path)) for c in f.cves}
        assert parsed <= raw


def test_dns_sample_spot_checks(corpus_dir: Path) -> None:
    records = parse_file(parser, corpus_dir / "nexpose" / "dns.xml")
    (asset,) = assets_of(records)
    assert asset.name == "192.168.1.1"
    assert asset.ips == ("192.168.1.1",)
    assert asset.mac == "00:11:22:33:44:55"
    assert asset.operating_system == "Linux 2.6.32"
    assert asset.ports == (
        Port(number="53", protocol="tcp", service="DNS", version="PowerDNS Recursor 4.3.5"),
        Port(number="53", protocol="udp", service="DNS", version="PowerDNS Recursor 4.3.5"),
    )

    snooping = [f for f in findings_of(records) if f.flaw_id == "dns-allows-cache-snooping"]
    assert [f.port.protocol for f in snooping if f.port] == ["tcp", "udp"]
    first = snooping[0]
    assert first.title == "DNS server allows cache snooping"
    assert first.severity is Severity.MEDIUM
    assert first.description.startswith("This DNS server is susceptible to DNS cache snooping")
    assert first.recommendations.startswith("Restrict the processing of DNS queries")
    assert first.references == ("http://cs.unc.edu/~fabian/course_papers/cache_snooping.pdf",)
    assert first.tags == ("DNS", "ISC", "ISC BIND")
    assert [(s.kind, s.vector, s.score) for s in first.scores] == [("CVSS2", "AV:N/AC:L/Au:N/C:P/I:N/A:N", "5.0")]
    assert ("Nexpose Severity Category", "Severe") in first.fields
    (evidence,) = first.evidence
    assert evidence.code == "Received 4 answers to a non-recursive query for www.rapid7.com"
    assert "vulnerable-exploited" in evidence.caption
    assert "tcp/53 DNS" in evidence.caption

    amplification = next(f for f in findings_of(records) if f.flaw_id == "dns-amplification")
    assert amplification.severity is Severity.LOW
    assert amplification.references == ("CERT: TA13-088A", "CERT: TA14-017A")
    recursive = next(f for f in findings_of(records) if f.flaw_id == "dns-processes-recursive-queries")
    assert recursive.evidence[0].code == (
        "Nameserver resolved www.google.com to:\n\n- www.google.com. 12 IN A 172.217.17.100"
    )


def test_node_level_tests_have_no_port(corpus_dir: Path) -> None:
    records = parse_file(parser, corpus_dir / "nexpose" / "report_auth.xml")
    assets = assets_of(records)
    assert [a.hostname for a in assets] == ["host0", "host1", "host3", "host4"]
    assert assets[0].operating_system == "Ubuntu Linux 20.04"
    findings = findings_of(records)
    assert all(f.port is None for f in findings)
    home = [f for f in findings if f.flaw_id == "unix-user-home-dir-mode" and f.asset == "192.168.0.12"]
    assert len(home) == 4
    assert {f.evidence[0].code for f in home} == {
        "The permissions for home directory of user anycastcontrol was found to be 755 which is more "
        "permissive than 750.",
        "The permissions for home directory of user netdata was found to be 775 which is more permissive than 750.",
        "The permissions for home directory of user lxd was found to be 711 which is more permissive than 750.",
        "The permissions for home directory of user ubuntu was found to be 755 which is more permissive than 750.",
    }
    grub = next(f for f in findings if f.flaw_id == "linux-grub-missing-passwd")
    assert "/etc/grub.conf\n/boot/grub/grub.conf\n/boot/grub/grub.cfg\n/boot/grub/menu.lst" in grub.recommendations
    assert "password <password>" in grub.recommendations


def test_markup_lists_and_preformatted_blocks(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(parser, corpus_dir / "nexpose" / "many_vulns.xml"))
    timestamp = next(f for f in findings if f.flaw_id == "generic-tcp-timestamp")
    assert timestamp.recommendations.startswith(
        "- Cisco\n  Run the following command to disable TCP timestamps:\n  no ip tcp timestamp\n- FreeBSD"
    )
    seq = next(f for f in findings if f.flaw_id == "tcp-seq-num-approximation")
    assert seq.cves == ("CVE-2004-0230",)
    assert "BID: 10183" in seq.references
    assert "CVE-2004-0230" in seq.references


def test_a_test_without_definition_is_kept_with_a_provisional_title(corpus_dir: Path) -> None:
    (finding,) = findings_of(parse_file(parser, corpus_dir / "nexpose" / "no_vuln.xml"))
    assert finding.flaw_id == "tcp-seq-num-approximation"
    assert finding.title == "Nexpose check tcp-seq-num-approximation"
    assert finding.severity is Severity.INFORMATIONAL
    assert finding.evidence[0].code.startswith("TCP reset with incorrect sequence number")


def test_definitions_before_nodes_are_still_resolved() -> None:
    records = parse_file(parser, FIXTURES / "handmade_definitions_first.xml")
    web, printer = assets_of(records)
    assert web.name == "10.1.1.20"
    assert (web.hostname, web.fqdn, web.mac) == ("web01", "web01.corp.example", "AA:BB:CC:DD:EE:FF")
    assert web.operating_system == "Ubuntu Linux 22.04"
    assert printer.name == "printer.corp.example"
    assert printer.ips == ()

    findings = findings_of(records)
    assert [f.flaw_id for f in findings] == ["apache-httpd-cve-2021-41773", "ssh-weak-kex", "ssh-weak-kex"]
    apache = findings[0]
    assert apache.title == "Apache HTTPD: Path traversal (CVE-2021-41773)"
    assert apache.severity is Severity.CRITICAL
    assert apache.cves == ("CVE-2021-41773", "CVE-2021-42013")
    assert "https://www.exploit-db.com/exploits/50383" in apache.references
    assert ("Exploits", "Apache HTTP Server 2.4.49 - Path Traversal (exploitdb, Novice)") in apache.fields
    assert ("Malware Kits", "Example Kit") in apache.fields
    assert apache.recommendations == (
        "1. Upgrade to Apache HTTP Server 2.4.51.\n2. Restart the service.\n\n"
        "Details: Apache downloads (https://httpd.apache.org/download.cgi)"
    )
    assert apache.port == Port(number="443", protocol="tcp", service="HTTPS", version="Apache HTTPD 2.4.49")
    assert "key /cgi-bin/.%2e/" in apache.evidence[0].caption
    exception, potential = findings[1:]
    assert "vulnerable-exploited-with-exception-applied" in exception.evidence[0].caption
    assert potential.asset == "printer.corp.example"
    assert potential.evidence == ()
    assert all(f.flaw_id != "never-sighted" for f in findings)


def test_memory_does_not_grow_with_the_number_of_sightings() -> None:
    def peak(nodes: int) -> int:
        data = _synthetic_report(nodes)
        tracemalloc.start()
        try:
            count = sum(1 for _ in run_parser(parser, io.BytesIO(data)))
            _, peak_bytes = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert count == nodes * 11
        return peak_bytes

    small, large = peak(100), peak(1000)
    assert large < small * 3


def _synthetic_report(nodes: int) -> bytes:
    tests = "".join(
        f'<test id="vuln-{i}" status="vulnerable-exploited"><Paragraph>proof {i} {"x" * 200}</Paragraph></test>'
        for i in range(10)
    )
    body = "".join(
        f'<node address="10.{n // 65536}.{n // 256 % 256}.{n % 256}"><tests>{tests}</tests></node>'
        for n in range(nodes)
    )
    definitions = "".join(
        f'<vulnerability id="vuln-{i}" title="Vuln {i}" severity="{i}"><description><ContainerBlockElement>'
        f"<Paragraph>Description {i}</Paragraph></ContainerBlockElement></description></vulnerability>"
        for i in range(10)
    )
    return (
        f'<NexposeReport version="2.0"><scans/><nodes>{body}</nodes>'
        f"<VulnerabilityDefinitions>{definitions}</VulnerabilityDefinitions></NexposeReport>"
    ).encode()


def test_sniff_accepts_every_sample(corpus_dir: Path) -> None:
    for path in _all_files(corpus_dir):
        assert parser.sniff(Sniff(path.read_bytes()[:65536], path.name)), path.name


@pytest.mark.parametrize(
    "other",
    [
        "nessus/issue_6992.nessus",
        "openvas/many_vuln.xml",
        "openvas/many_vuln.csv",
        "nmap/issue4406.xml",
        "qualys",
        "burp",
        "zap",
    ],
)
def test_sniff_rejects_other_tools(corpus_dir: Path, other: str) -> None:
    target = corpus_dir / other
    paths = [target] if target.is_file() else sorted(p for p in target.iterdir() if p.is_file())[:3]
    assert paths
    for path in paths:
        assert not parser.sniff(Sniff(path.read_bytes()[:65536], path.name)), path


def test_wrong_format_names_what_was_found(corpus_dir: Path) -> None:
    nessus = next((corpus_dir / "nessus").glob("*.nessus"))
    with pytest.raises(InvalidFile) as caught:
        parse_file(parser, nessus)
    assert caught.value.source == "nexpose"
    assert "<NessusClientData_v2>" in str(caught.value)
    assert "<NexposeReport>" in str(caught.value)


def test_not_xml_is_invalid() -> None:
    with pytest.raises(InvalidFile, match="invalid nexpose file: not XML"):
        list(run_parser(parser, io.BytesIO(b"IP,Hostname\n1.2.3.4,x\n")))
