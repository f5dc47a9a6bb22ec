"""Veracode Detailed Report XML (``veracode``): static, dynamic, manual flaws and SCA.

Expectations for the corpus files are derived with a plain ``lxml.etree.parse``.
``fixtures/veracode/handmade_dynamic_manual.xml`` is hand-made from the public Detailed Report
1.5 schema (a dynamic flaw with ``vuln_parameter`` and a manual penetration-test flaw), because
the corpus has no such flaws. The JSON (REST API) and SCA CSV/JSON files are not the detailed
report PlexTrac imports and must be refused by name.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from scanlift.parsers.base import InvalidFile, Port, Severity, Sniff
from scanlift.parsers.veracode import VeracodeParser
from tests.parsers.records import assets_of, findings_of, parse_file

PARSER = VeracodeParser()
NS = "{https://www.veracode.com/schema/reports/export/1.0}"
FIXTURES = Path(__file__).parent / "fixtures" / "veracode"

XML_FILES = (
    "dynamic_finding.xml",
    "many_findings.xml",
    "many_findings_different_hash_code_different_unique_id.xml",
    "many_findings_same_hash_code_different_unique_id.xml",
    "many_findings_same_unique_id_different_hash_code.xml",
    "mitigated_finding.xml",
    "mitigated_fixed_finding.xml",
    "one_finding.xml",
    "veracode_maven.xml",
    "veracode_scan.xml",
    "veracode_scan_changed_severity.xml",
    "veracode_scan_multi_cwe_fabricated.xml",
    "veracode_scan_sca_mitigated.xml",
)

NOT_DETAILED_REPORTS = (
    "veracode/dynamic_embedded_format.json",
    "veracode/static_findings_list_format.json",
    "veracode/sca_embedded_format.json",
    "veracode_sca/veracode_sca.json",
    "veracode_sca/veracode_sca.csv",
)

OTHER_TOOLS = (
    "nessus/nessus_v_unknown.xml",
    "burp/one_finding.xml",
    "appscan/issue_9279.xml",
    "checkmarx/single_finding.xml",
    "zap/0_zap_sample.xml",
    *NOT_DETAILED_REPORTS,
)

SEVERITIES = {
    "0": "Informational",
    "1": "Informational",
    "2": "Low",
    "3": "Medium",
    "4": "High",
    "5": "Critical",
}


def _expected(path: Path) -> dict[str, list[etree._Element]]:
    root = etree.parse(str(path)).getroot()
    return {
        "flaws": list(root.iter(f"{NS}flaw")),
        "vulnerabilities": list(root.iter(f"{NS}vulnerability")),
    }


def test_corpus_list_is_complete(corpus_dir: Path) -> None:
    assert {p.name for p in (corpus_dir / "veracode").glob("*.xml")} == set(XML_FILES)


@pytest.mark.parametrize("name", XML_FILES)
def test_counts_match_the_file(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / "veracode" / name
    expected = _expected(path)
    flaws, vulnerabilities = expected["flaws"], expected["vulnerabilities"]
    records = parse_file(PARSER, path)
    findings = findings_of(records)

    assert len(findings) == len(flaws) + len(vulnerabilities)
    assert {f.flaw_id for f in findings} == {f.get("cweid") for f in flaws} | {v.get("cve_id") for v in vulnerabilities}
    for kind, tag in (("staticflaws", "SAST"), ("dynamicflaws", "DAST")):
        count = sum(1 for f in flaws if f.getparent().tag == f"{NS}{kind}")
        assert sum(1 for f in findings if f.tags == (tag,)) == count
    assert sum(1 for f in findings if f.tags == ("SCA",)) == len(vulnerabilities)
    assert sorted(f.severity.value for f in findings) == sorted(
        SEVERITIES[e.get("severity")] for e in flaws + vulnerabilities
    )
    raw = path.read_text(encoding="utf-8", errors="replace")
    cves = {c.upper() for c in re.findall(r"CVE-\d{4}-\d{4,}", raw, re.IGNORECASE)}
    assert cves <= {c for f in findings for c in f.cves}
    cwes = {int(f.get("cweid")) for f in flaws}
    cwes |= {int(c) for v in vulnerabilities for c in re.findall(r"\d+", v.get("cwe_id") or "")}
    assert cwes == {c for f in findings for c in f.cwes}
    app_name = etree.parse(str(path)).getroot().get("app_name")
    assert assets_of(records)[0].name == app_name
    assert assets_of(records)[0].type == "Application"


@pytest.mark.parametrize("name", XML_FILES)
def test_sniff_accepts_every_corpus_file(corpus_dir: Path, name: str) -> None:
    assert PARSER.sniff(Sniff((corpus_dir / "veracode" / name).read_bytes()[:65536], name))


def test_sniff_accepts_the_handmade_fixture() -> None:
    assert PARSER.sniff(Sniff((FIXTURES / "handmade_dynamic_manual.xml").read_bytes()))


@pytest.mark.parametrize("name", OTHER_TOOLS)
def test_sniff_rejects_other_tools(corpus_dir: Path, name: str) -> None:
    assert not PARSER.sniff(Sniff((corpus_dir / name).read_bytes()[:65536], name))


@pytest.mark.parametrize("name", NOT_DETAILED_REPORTS)
def test_other_veracode_exports_are_refused_by_name(corpus_dir: Path, name: str) -> None:
    kind = "CSV file" if name.endswith(".csv") else "JSON document"
    with pytest.raises(InvalidFile, match=f"invalid veracode file: found a {kind}"):
        parse_file(PARSER, corpus_dir / name)


def test_wrong_root_names_what_was_found(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile) as caught:
        parse_file(PARSER, corpus_dir / "appscan/issue_9279.xml")
    assert caught.value.source == "veracode"
    assert "root element is <xml-report>, expected <detailedreport>" in str(caught.value)


def test_static_flaw(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(PARSER, corpus_dir / "veracode/veracode_scan.xml"))
    flaw = next(f for f in findings if ("Issue ID", "18") in f.fields)
    assert flaw.flaw_id == "201"
    assert flaw.title == "Information Exposure Through Sent Data"
    assert flaw.severity is Severity.LOW
    assert flaw.tags == ("SAST",)
    assert flaw.asset == "data-services"
    assert flaw.port is None
    assert flaw.location_url == "/devTools/utility.jsp:279"
    assert flaw.description.startswith("The application calls the javax.servlet.jsp.JspWriter.print() function")
    assert "The acronym CRLF stands for" in flaw.description  # category background
    assert flaw.recommendations.startswith("Apply robust input filtering for all user-supplied data")
    assert flaw.references == (
        "http://cwe.mitre.org/data/definitions/201.html",
        "http://webappsec.pbworks.com/Information-Leakage",
    )
    assert ("Remediation Effort", "2") in flaw.fields
    assert ("Exploit Level", "Unlikely") in flaw.fields
    (evidence,) = flaw.evidence
    assert evidence.caption == "Static flaw location (issue 18)"
    assert "Source file: /devTools/utility.jsp:279" in evidence.code
    assert (
        "Function: void _jspService(javax.servlet.http.HttpServletRequest, "
        "javax.servlet.http.HttpServletResponse)" in evidence.code
    )


def test_sca_vulnerabilities(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(PARSER, corpus_dir / "veracode/veracode_scan.xml"))
    sca = {f.flaw_id: f for f in findings if f.tags == ("SCA",)}
    assert set(sca) == {"CVE-2012-5783", "CVE-2015-5262", "CVE-2014-3577", "CVE-2012-6153"}
    item = sca["CVE-2012-6153"]
    assert item.title == "CVE-2012-6153 in commons-httpclient"
    assert item.severity is Severity.MEDIUM
    assert item.cves == ("CVE-2012-6153", "CVE-2012-5783")  # the summary cites the earlier CVE
    assert item.cwes == (20,)
    assert item.asset == "data-services"
    assert item.location_url == "bogus-services-1.1.15-SNAPSHOT.war#zip:WEB-INF/lib/commons-httpclient-3.1.jar"
    assert ("CVSS Score", "4.3") in item.fields
    assert item.scores == ()
    assert "bogus-services-client-web-1.1.15-SNAPSHOT.war#zip:WEB-INF/lib/commons-httpclient-3.1.jar" in (
        item.evidence[0].code
    )
    changed = findings_of(parse_file(PARSER, corpus_dir / "veracode/veracode_scan_changed_severity.xml"))
    assert next(f for f in changed if f.flaw_id == "CVE-2012-6153").severity is Severity.LOW


def test_sca_multiple_cwes_and_mitigation(corpus_dir: Path) -> None:
    (multi,) = findings_of(parse_file(PARSER, corpus_dir / "veracode/veracode_scan_multi_cwe_fabricated.xml"))
    assert multi.cwes == (20, 295)
    (mitigated,) = findings_of(parse_file(PARSER, corpus_dir / "veracode/veracode_scan_sca_mitigated.xml"))
    assert mitigated.severity is Severity.CRITICAL
    assert ("Veracode Severity", "Very High") in mitigated.fields
    assert ("Mitigated", "true") in mitigated.fields
    assert ("Mitigation Type", "Mitigate by Design") in mitigated.fields
    mitigations = dict(mitigated.fields)["Mitigations"]
    assert "Approve Mitigation by someuser on 2022-09-12 14:30:10 UTC: OK" in mitigations
    (maven,) = findings_of(parse_file(PARSER, corpus_dir / "veracode/veracode_maven.xml"))
    assert ("Library ID", "maven:commons-jxpath:commons-jxpath:1.3:") in maven.fields
    assert maven.title == "CVE-2022-41852 in Commons JXPath"


def test_mitigated_static_flaws_are_kept(corpus_dir: Path) -> None:
    (accepted,) = findings_of(parse_file(PARSER, corpus_dir / "veracode/mitigated_finding.xml"))
    assert ("Mitigation Status", "Mitigation Accepted") in accepted.fields
    assert ("Mitigations", "Accepted by You on 2020-06-01 10:02:01 UTC: description") in accepted.fields
    (fixed,) = findings_of(parse_file(PARSER, corpus_dir / "veracode/mitigated_fixed_finding.xml"))
    assert dict(fixed.fields)["Remediation Status"] == "Fixed"


def test_dynamic_flaw_with_encoded_namespace(corpus_dir: Path) -> None:
    records = parse_file(PARSER, corpus_dir / "veracode/dynamic_finding.xml")
    (flaw,) = findings_of(records)
    assert flaw.flaw_id == "456"
    assert flaw.title == "catname"
    assert flaw.tags == ("DAST",)
    assert flaw.asset == "www.example.com"
    assert flaw.port == Port(number="443", protocol="tcp", service="https")
    assert flaw.location_url == "https://www.example.com/index.html"
    assert flaw.recommendations == "Problem text\n- Bullet text"
    assert "URL: https://www.example.com/index.html" in flaw.evidence[0].code
    assert [a.name for a in assets_of(records)] == ["myapp", "www.example.com"]


def test_handmade_dynamic_parameter_and_manual_flaw() -> None:
    records = parse_file(PARSER, FIXTURES / "handmade_dynamic_manual.xml")
    dynamic, manual = findings_of(records)
    assert dynamic.flaw_id == manual.flaw_id == "89"
    assert dynamic.severity is Severity.CRITICAL
    assert dynamic.asset == "shop.example.com"
    assert dynamic.port == Port(number="8443", protocol="tcp", service="https")
    assert dynamic.location_url == "https://shop.example.com:8443/item?id=1"
    assert dynamic.vulnerable_parameters == ("id",)
    assert dynamic.cves == ("CVE-2021-0001",)
    assert manual.tags == ("Manual",)
    assert manual.severity is Severity.HIGH
    assert manual.asset == "shop.example.com"
    assert manual.vulnerable_parameters == ("q",)
    assert "Send q=' OR 1=1-- to dump all rows." in manual.description
    assert manual.recommendations.startswith("Bind the search term as a parameter.")
    assert ("Exploitation Difficulty", "1") in manual.fields
    assert ("CVSS Score", "8.1") in manual.fields
    host = assets_of(records)[-1]
    assert host.name == "shop.example.com"
    assert host.ports == (
        Port(number="8443", protocol="tcp", service="https"),
        Port(number="443", protocol="tcp", service="https"),
    )


class _Unseekable(io.RawIOBase):
    """A pipe-like stream: readable once, not seekable (as uploads reach the parsers)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(min(len(buffer), 4096))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_non_seekable_stream(corpus_dir: Path) -> None:
    path = corpus_dir / "veracode/veracode_scan.xml"
    streamed = list(PARSER.parse(io.BufferedReader(_Unseekable(path.read_bytes()))))
    assert streamed == parse_file(PARSER, path)
    csv = (corpus_dir / "veracode_sca/veracode_sca.csv").read_bytes()
    with pytest.raises(InvalidFile, match="CSV"):
        list(PARSER.parse(io.BufferedReader(_Unseekable(csv))))
