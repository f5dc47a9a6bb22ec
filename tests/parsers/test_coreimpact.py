"""The Core Impact XML (entities export) parser.

Real sample: ``coreimpact/dradis_coreimpact_example.xml`` in the corpus (genuine Core Impact v16
output: 2 hosts, CVE-2014-0224 on 10.0.10.41:443 and CVE-1999-0516 on 10.0.10.53:161).

Hand-made fixture, NOT a real export: ``fixtures/coreimpact/handmade_exposures_and_agent.xml``,
written from format-notes.md for the layouts known only from importer code (2017R1
``exposures``, agent entities) and for several modules under one vulnerability, a vulnerability
without modules and ``Solved Vulnerabilities``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from scanlift.parsers.base import InvalidFile, Port, Severity, Sniff
from scanlift.parsers.coreimpact import CoreImpactParser
from tests.parsers.records import assets_of, findings_of, parse_file, sniffs

PARSER = CoreImpactParser()
CORPUS_FILES = ["dradis_coreimpact_example.xml"]
HANDMADE = Path(__file__).parent / "fixtures" / "coreimpact" / "handmade_exposures_and_agent.xml"
OTHER_TOOLS = [
    "nessus/issue_6992.nessus",
    "burp/one_finding.xml",
    "zap/0_zap_sample.xml",
    "openvas/many_vuln.xml",
    "nmap/issue4406.xml",
    "checkmarx/multiple_findings.xml",
    "acunetix/one_finding.xml",
    "nipper/dradis_nipper_sample_v2.8.xml",
    "invicti/invicti_one_finding.json",
    "nessus/nessus_new.csv",
]


def _modules(tree: etree._ElementTree) -> list[tuple[str, str, str]]:
    """(host ip, vulnerability id, module title), found independently with XPath."""
    found = []
    for host in tree.xpath("/entities/entity[@class='host']"):
        ip = host.xpath("string(property[@key='ip'])")
        for vuln in host.xpath("property[@key='Vulnerabilities']/property"):
            for module in vuln.xpath("property[@key='Modules']/property"):
                found.append((ip, vuln.get("key"), module.get("key")))
    return found


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_one_sighting_per_module_and_one_asset_per_host(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / "coreimpact" / name
    tree = etree.parse(str(path))
    modules = _modules(tree)
    records = parse_file(PARSER, path)
    findings = findings_of(records)
    assert len(findings) == len(modules) == 2
    assert sorted((f.asset, f.flaw_id) for f in findings) == sorted((ip, f"{v}:{m}") for ip, v, m in modules)
    hosts = tree.xpath("/entities/entity[@class='host']/property[@key='ip']/text()")
    assert sorted(a.name for a in assets_of(records)) == sorted(hosts)


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_every_cve_in_the_file_is_kept(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / "coreimpact" / name
    in_file = {c.upper() for c in re.findall(r"CVE-\d{4}-\d{4,}", path.read_text(errors="replace"), re.I)}
    assert in_file <= {c for f in findings_of(parse_file(PARSER, path)) for c in f.cves}


def test_mapping_of_the_real_sample(corpus_dir: Path) -> None:
    records = parse_file(PARSER, corpus_dir / "coreimpact" / "dradis_coreimpact_example.xml")
    findings = {f.asset: f for f in findings_of(records)}
    ccs = findings["10.0.10.41"]
    assert ccs.flaw_id == "CVE-2014-0224:OpenSSL ChangeCipherSpec Message Vulnerability Checker"
    assert ccs.title == "OpenSSL ChangeCipherSpec Message Vulnerability Checker (CVE-2014-0224)"
    assert ccs.cves == ("CVE-2014-0224",)
    assert ccs.description.endswith('aka the "CCS Injection" vulnerability.')
    assert ccs.port == Port(number="443", protocol="tcp", service="https")
    # No severity in the export: Informational, and the finding says so.
    assert ccs.severity is Severity.INFORMATIONAL
    assert any(label == "Core Impact Severity" for label, _ in ccs.fields)
    assert [e.code for e in ccs.evidence] == ["agent_deployed: false\ntried_to_install_agent: false"]

    snmp = findings["10.0.10.53"]
    assert snmp.title == "SNMP Identity Verifier (CVE-1999-0516)"
    # The protocol comes from the host's services: 161 is only known as udp.
    assert snmp.port is not None
    assert (snmp.port.number, snmp.port.protocol, snmp.port.service) == ("161", "udp", "snmp")
    (evidence,) = snmp.evidence
    assert evidence.caption == "Core Impact SNMP Identity Verifier on 10.0.10.53:161/udp"
    assert "Community: private" in evidence.code

    assets = {a.name: a for a in assets_of(records)}
    first, second = assets["10.0.10.41"], assets["10.0.10.53"]
    assert first.ips == ("10.0.10.41",)
    assert first.operating_system == "linux i386"
    assert second.hostname == "FAS2040-1"
    # Open ports come from the host's own services; Imported Data copies are ignored.
    assert {(p.number, p.protocol) for p in first.ports} == {
        ("22", "tcp"), ("23", "tcp"), ("80", "tcp"), ("111", "tcp"), ("443", "tcp"), ("623", "tcp"), ("5120", "tcp"),
    }  # fmt: skip
    assert Port(number="5120", protocol="tcp", service="ipmi-usb", version="IPMI USB redirection") in first.ports
    smb = next(p for p in second.ports if (p.number, p.protocol) == ("445", "tcp"))
    assert smb.version == "Netapp ONTAP smbd"


def test_handmade_modules_exposures_and_agent() -> None:
    records = parse_file(PARSER, HANDMADE)
    findings = findings_of(records)
    titles = sorted(f.title for f in findings)
    assert titles == [
        "CVE-2019-0708",  # a vulnerability without modules is kept, titled by its id
        "Core Impact agent deployed",
        "MS17-010 SMB Remote Code Execution",
        "Weak SSL Ciphers",
        "Windows SMB Remote Code Execution Exploit (MS17-010) (CVE-2017-0144)",
        "Windows SMB Vulnerability Checker (CVE-2017-0144)",  # id already in the module title
    ]
    # Solved vulnerabilities and the console's own /localhost agent are not findings.
    assert not any("MS08-067" in f.title or "CVE-2008-4250" in f.cves for f in findings)
    assert {f.asset for f in findings} == {"192.0.2.10"}

    exposure = next(f for f in findings if f.title == "MS17-010 SMB Remote Code Execution")
    assert exposure.severity is Severity.HIGH
    assert exposure.cves == ("CVE-2017-0144",)
    assert exposure.evidence[0].code == "service: microsoft-ds"
    unknown_word = next(f for f in findings if f.title == "Weak SSL Ciphers")
    assert unknown_word.severity is Severity.INFORMATIONAL
    assert ("Core Impact Severity", "Severe") in unknown_word.fields

    agent = next(f for f in findings if f.title == "Core Impact agent deployed")
    assert agent.severity is Severity.HIGH
    assert "Agent: /192.0.2.10/agent(0)" in agent.evidence[0].code
    assert "    port: 4444" in agent.evidence[0].code

    exploit = next(f for f in findings if f.title.startswith("Windows SMB Remote Code Execution Exploit"))
    assert "agent_deployed: true" in exploit.evidence[0].code

    (asset,) = assets_of(records)
    assert (asset.name, asset.hostname, asset.fqdn) == ("192.0.2.10", "web10", "web10.example.test")
    assert asset.ports == (Port(number="445", protocol="tcp"),)  # 3389 is closed


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_sniff_accepts_core_impact_exports(corpus_dir: Path, name: str) -> None:
    assert sniffs(PARSER, corpus_dir / "coreimpact" / name)
    assert sniffs(PARSER, HANDMADE)


@pytest.mark.parametrize("other", OTHER_TOOLS)
def test_sniff_rejects_other_tools(corpus_dir: Path, other: str) -> None:
    assert not sniffs(PARSER, corpus_dir / other)


def test_sniff_needs_the_creator_attribute() -> None:
    assert not PARSER.sniff(Sniff(head=b'<entities><entity class="host"/></entities>'))
    assert not PARSER.sniff(Sniff(head=b'<entities creator="Other Tool"><entity/></entities>'))


def test_wrong_format_names_what_was_found(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile) as caught:
        parse_file(PARSER, corpus_dir / "nessus" / "issue_6992.nessus")
    assert caught.value.source == "coreimpact"
    assert "<NessusClientData_v2>" in str(caught.value)
    assert "<entities>" in str(caught.value)


def test_entities_written_by_another_tool_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.xml"
    path.write_text('<entities creator="Some Asset Tool"><entity class="host" name="/h"/></entities>')
    with pytest.raises(InvalidFile, match="'Some Asset Tool'"):
        parse_file(PARSER, path)


def test_empty_export_has_no_records(tmp_path: Path) -> None:
    path = tmp_path / "empty.xml"
    path.write_text('<entities creator="CORE IMPACT" version="16"></entities>')
    assert parse_file(PARSER, path) == []


def test_very_long_module_title_keeps_a_short_stable_id(tmp_path: Path) -> None:
    module = "Checker " + "x" * 300
    path = tmp_path / "long.xml"
    path.write_text(
        '<entities creator="CORE IMPACT"><entity class="host" name="/h">'
        '<property type="string" key="ip">10.1.1.1</property>'
        '<property type="container" key="Vulnerabilities"><property type="container" key="CVE-2020-0001">'
        f'<property type="container" key="Modules"><property type="container" key="{module}"/></property>'
        "</property></property></entity></entities>"
    )
    (finding,) = findings_of(parse_file(PARSER, path))
    assert finding.flaw_id.startswith("CVE-2020-0001:")
    assert len(finding.flaw_id) <= 200
    assert finding.title == f"{module} (CVE-2020-0001)"
