"""The Nipper Studio XML parser.

Real sample: ``nipper/dradis_nipper_sample_v2.8.xml`` in the corpus (a trimmed real Nipper Studio
2.8.0 report: one device, two Security Audit issues with CVSSv2 ratings).

Hand-made fixture, NOT a real export: ``fixtures/nipper/handmade_two_devices.xml``, written for
these tests from the layout in format-notes.md (Security Audit with Nipperv1 ratings, a finding
table, nested sub-sections, an "Affected Devices" list instead of ``issuedetails`` devices, and a
Vulnerability Audit with "Overall Rating" infoboxes), because no public real report has those.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from scanlift.parsers.base import InvalidFile, Score, Severity, Sniff
from scanlift.parsers.nipper import NipperParser
from tests.parsers.records import assets_of, findings_of, parse_file, sniffs

PARSER = NipperParser()
CORPUS_FILES = ["dradis_nipper_sample_v2.8.xml"]
FIXTURES = Path(__file__).parent / "fixtures" / "nipper"
HANDMADE = FIXTURES / "handmade_two_devices.xml"
SUMMARY_REFS = {
    "INTRODUCTION",
    "SECURITY.INTRODUCTION",
    "SECURITY.FINDINGS.SUMMARY",
    "SECURITY.CONCLUSIONS",
    "SECURITY.RECOMMENDATIONS",
    "SECURITY.MITIGATIONS",
    "SECURITY.CLASSIFICATIONS",
}
OTHER_TOOLS = [
    "nessus/issue_6992.nessus",
    "burp/one_finding.xml",
    "zap/0_zap_sample.xml",
    "openvas/many_vuln.xml",
    "nmap/issue4406.xml",
    "checkmarx/multiple_findings.xml",
    "acunetix/one_finding.xml",
    "invicti/heimdall_sample-netsparker-invicti.xml",
    "coreimpact/dradis_coreimpact_example.xml",
    "nessus/nessus_new.csv",
    "invicti/invicti_one_finding.json",
]


def _issue_sections(tree: etree._ElementTree) -> list[etree._Element]:
    """Security Audit issues, found independently with XPath on the whole (small) file."""
    return [
        s
        for s in tree.xpath("/document/report/part[@ref='SECURITYAUDIT']/section")
        if s.get("ref") not in SUMMARY_REFS and not s.get("ref", "").startswith("SECURITY.")
    ]


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_one_sighting_per_issue_and_device(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / "nipper" / name
    tree = etree.parse(str(path))
    sections = _issue_sections(tree)
    records = parse_file(PARSER, path)
    findings = findings_of(records)
    assert len(findings) == sum(max(1, len(s.xpath("issuedetails/devices/device"))) for s in sections)
    assert {f.flaw_id for f in findings} == {s.get("ref") for s in sections}
    assert {a.name for a in assets_of(records)} == {d.get("name") for d in tree.xpath("//device")}
    by_ref = {s.get("ref"): s for s in sections}
    for finding in findings:
        rating = by_ref[finding.flaw_id].findtext("issuedetails/ratings/rating")
        assert finding.severity.value == rating


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_every_cve_in_the_file_is_kept(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / "nipper" / name
    in_file = {c.upper() for c in re.findall(r"CVE-\d{4}-\d{4,}", path.read_text(errors="replace"), re.I)}
    assert in_file <= {c for f in findings_of(parse_file(PARSER, path)) for c in f.cves}


def test_mapping_of_the_real_sample(corpus_dir: Path) -> None:
    records = parse_file(PARSER, corpus_dir / "nipper" / "dradis_nipper_sample_v2.8.xml")
    timeout = next(f for f in findings_of(records) if f.flaw_id == "ADMINISTRATION.LONG.SESSION.TIMEOUT")
    assert timeout.title == "Long Session Timeout"
    # Nipper rates it Medium although the CVSSv2 base score is 7.6: the vendor's word wins.
    assert timeout.severity is Severity.MEDIUM
    assert timeout.scores == (Score(kind="CVSS2", vector="AV:N/AC:H/Au:N/C:C/I:C/A:C", score="7.6"),)
    assert ("Nipper Finding ID", "NSA-ADMIN-028") in timeout.fields
    assert ("CVSSv2 Temporal", "6.3 (E:F/RL:OF/RC:C)") in timeout.fields
    assert timeout.asset == "PA-200"
    assert timeout.description.startswith("The session timeout setting is used")
    assert "set to 60 minutes on PA-200" in timeout.description
    assert "Impact:\nAn attacker could be able to access a system" in timeout.description
    assert "Ease:\nTo exploit this issue" in timeout.description
    assert timeout.recommendations == (
        "Compass IT Compliance recommends that a timeout period of 10 minutes should be configured for all sessions."
    )
    (device,) = assets_of(records)
    assert (device.name, device.operating_system, device.type) == ("PA-200", "PANOS 7.0.0", "Network Device")
    assert device.description == "Device type: Palo Alto Firewall"


def test_handmade_report_findings_and_devices() -> None:
    records = parse_file(PARSER, HANDMADE)
    findings = findings_of(records)
    sightings = sorted((f.flaw_id, f.asset) for f in findings)
    assert sightings == [
        ("ADMINISTRATION.TELNET.ENABLED", "core-sw1"),
        ("ADMINISTRATION.TELNET.ENABLED", "edge-fw"),
        # no devices in issuedetails: taken from the "Affected Devices" list ("name - type")
        ("BANNER.NO.PRE.LOGON.MESSAGE", "branch-rtr"),
        ("BANNER.NO.PRE.LOGON.MESSAGE", "edge-fw"),
        # "Affected Devices" in the Vulnerability Audit is "type - name"
        ("CVE-2016-6415", "core-sw1"),
        ("CVE-2016-6415", "edge-fw"),
        # "Affected Device" sentence naming a known device
        ("CVE-2017-3881", "core-sw1"),
    ]
    assert sorted(a.name for a in assets_of(records)) == ["branch-rtr", "core-sw1", "edge-fw"]


def test_handmade_security_audit_mapping() -> None:
    findings = findings_of(parse_file(PARSER, HANDMADE))
    telnet = next(f for f in findings if f.flaw_id == "ADMINISTRATION.TELNET.ENABLED")
    assert telnet.severity is Severity.HIGH
    assert {("Nipper Impact", "High"), ("Nipper Ease", "Easy"), ("Nipper Fix", "Quick")} <= set(telnet.fields)
    # Text before, inside and after a nested sub-section all survive streaming.
    assert "determined that the Telnet service was enabled" in telnet.description
    assert "Nested detail paragraph." in telnet.description
    assert "Paragraph after the nested section." in telnet.description
    assert telnet.recommendations.endswith("The following command disables it:\ntransport input ssh")
    (table,) = telnet.evidence
    assert table.caption == "Telnet line settings on core-sw1"
    assert table.code.splitlines() == [
        "Line | Access | Login",
        "VTY 0 - 4 | Yes | Line Password",
        "VTY 5 - 15 | Yes | Line Password",
    ]
    banner = next(f for f in findings if f.flaw_id == "BANNER.NO.PRE.LOGON.MESSAGE")
    assert banner.severity is Severity.INFORMATIONAL


def test_handmade_vulnerability_audit_mapping() -> None:
    findings = findings_of(parse_file(PARSER, HANDMADE))
    cmp = next(f for f in findings if f.flaw_id == "CVE-2017-3881")
    assert cmp.title == "CVE-2017-3881"
    assert cmp.severity is Severity.CRITICAL  # "Overall Rating: Critical"
    assert cmp.scores == (Score(kind="CVSS2", vector="AV:N/AC:L/Au:N/C:C/I:C/A:C", score="10.0"),)
    assert ("Published", "3/17/17") in cmp.fields
    assert cmp.description == "A vulnerability in the Cluster Management Protocol could allow remote code execution."
    assert "https://vendor.example.test/advisory/cmp" in cmp.recommendations
    assert cmp.references == (
        "https://vendor.example.test/advisory/cmp",
        "https://bugs.example.test/96960",
        "https://cve.example.test/CVE-2017-3882",
    )
    assert cmp.cves == ("CVE-2017-3881", "CVE-2017-3882")
    ike = next(f for f in findings if f.flaw_id == "CVE-2016-6415")
    assert ike.severity is Severity.HIGH


def test_summary_configuration_and_compliance_sections_are_not_findings() -> None:
    titles = {f.title for f in findings_of(parse_file(PARSER, HANDMADE))}
    assert not titles & {"Introduction", "Conclusions", "Recommendations", "Interfaces", "Security Issue Overview"}


def test_many_sections_stream(tmp_path: Path) -> None:
    sections = "".join(
        f'<section index="2.{i}" title="Issue {i}" ref="CHECK.{i}"><issuedetails><devices>'
        f'<device name="d{i % 7}"/></devices><ratings type="Nipperv1"><rating>Low</rating></ratings>'
        f'</issuedetails><section ref="FINDING" title="Finding"><text>Issue {i}.</text></section></section>'
        for i in range(3000)
    )
    path = tmp_path / "big.xml"
    path.write_text(
        f'<document nipperstudio="2.8.0"><report><part ref="SECURITYAUDIT">{sections}</part></report></document>'
    )
    findings = findings_of(parse_file(PARSER, path))
    assert len(findings) == 3000
    assert findings[-1].description == "Issue 2999."
    assert findings[-1].asset == "d" + str(2999 % 7)


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_sniff_accepts_nipper_reports(corpus_dir: Path, name: str) -> None:
    assert sniffs(PARSER, corpus_dir / "nipper" / name)
    assert sniffs(PARSER, HANDMADE)


@pytest.mark.parametrize("other", OTHER_TOOLS)
def test_sniff_rejects_other_tools(corpus_dir: Path, other: str) -> None:
    assert not sniffs(PARSER, corpus_dir / other)


def test_sniff_rejects_a_document_without_the_nipperstudio_attribute() -> None:
    head = b'<?xml version="1.0"?><document><information/></document>'
    assert not PARSER.sniff(Sniff(head=head))


def test_wrong_format_names_what_was_found(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile) as caught:
        parse_file(PARSER, corpus_dir / "nessus" / "issue_6992.nessus")
    assert caught.value.source == "nipper"
    assert "<NessusClientData_v2>" in str(caught.value)
    assert "<document>" in str(caught.value)


def test_document_without_nipperstudio_attribute_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "invalid.xml"
    path.write_text("<document><information><title>x</title></information><report/></document>")
    with pytest.raises(InvalidFile, match="no nipperstudio attribute"):
        parse_file(PARSER, path)
