"""Veracode (``veracode``): the Detailed Report XML and the Findings REST API JSON.

Expectations for the XML corpus files are derived with a plain ``lxml.etree.parse``, those for
the JSON corpus files (``{findings:[…]}`` and ``{_embedded:{findings:[…]}}``, static, dynamic and
SCA) with ``json.load``. ``fixtures/veracode/handmade_dynamic_manual.xml`` is hand-made from the
public Detailed Report 1.5 schema (a dynamic flaw with ``vuln_parameter`` and a manual
penetration-test flaw), because the corpus has no such flaws. The JSON snippets built in this
module (a MANUAL finding with annotations, a static finding mirroring an XML flaw, empty pages,
wrong shapes) are hand-made from the public Findings API description; the MANUAL
``finding_details`` keys have no real sample. The Veracode SCA workspace files (``veracode_sca/``:
CSV and ``_embedded.issues`` JSON) are another export and must be refused by name.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from lxml import etree

from scanlift.parsers.base import InvalidFile, Port, ScanFinding, Score, Severity, Sniff
from scanlift.parsers.registry import PARSERS
from scanlift.parsers.veracode import VeracodeParser
from tests.parsers.records import assets_of, findings_of, parse_file, peak_parse_memory, run_parser, unseekable

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

JSON_FILES = (
    "dynamic_embedded_format.json",
    "dynamic_findings_list_format.json",
    "sca_embedded_format.json",
    "sca_findings_list_format.json",
    "static_embedded_format.json",
    "static_findings_list_format.json",
)

#: The Veracode SCA workspace exports: not this source's formats.
SCA_WORKSPACE = (
    "veracode_sca/veracode_sca.csv",
    "veracode_sca/veracode_sca.json",
    "veracode_sca/veracode_sca_fixed.json",
)

OTHER_TOOLS = (
    "nessus/nessus_v_unknown.xml",
    "burp/one_finding.xml",
    "appscan/issue_9279.xml",
    "checkmarx/single_finding.xml",
    "zap/0_zap_sample.xml",
    "acunetix/acunetix360_one_finding.json",
    "burp_api/example.json",
    "checkmarx/multiple_findings.json",
    "checkmarx_one/many_findings.json",
    "checkmarx_osa/single_finding.json",
    "zap/heimdall_zap2.7.0_webgoat.json",
    *SCA_WORKSPACE,
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
    assert {p.name for p in (corpus_dir / "veracode").glob("*.json")} == set(JSON_FILES)


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
        count = sum(1 for f in flaws if str(getattr(f.getparent(), "tag", "")) == f"{NS}{kind}")
        assert sum(1 for f in findings if f.tags == (tag,)) == count
    assert sum(1 for f in findings if f.tags == ("SCA",)) == len(vulnerabilities)
    assert sorted(f.severity.value for f in findings) == sorted(
        SEVERITIES[e.get("severity") or ""] for e in flaws + vulnerabilities
    )
    raw = path.read_text(encoding="utf-8", errors="replace")
    cves = {c.upper() for c in re.findall(r"CVE-\d{4}-\d{4,}", raw, re.IGNORECASE)}
    assert cves <= {c for f in findings for c in f.cves}
    cwes = {int(f.get("cweid") or "") for f in flaws}
    cwes |= {int(c) for v in vulnerabilities for c in re.findall(r"\d+", v.get("cwe_id") or "")}
    assert cwes == {c for f in findings for c in f.cwes}
    app_name = etree.parse(str(path)).getroot().get("app_name")
    assert assets_of(records)[0].name == app_name
    assert assets_of(records)[0].type == "Application"


@pytest.mark.parametrize("name", XML_FILES + JSON_FILES)
def test_sniff_accepts_every_corpus_file(corpus_dir: Path, name: str) -> None:
    assert PARSER.sniff(Sniff((corpus_dir / "veracode" / name).read_bytes()[:65536], name))


def test_sniff_accepts_the_handmade_fixture() -> None:
    assert PARSER.sniff(Sniff((FIXTURES / "handmade_dynamic_manual.xml").read_bytes()))


@pytest.mark.parametrize("name", OTHER_TOOLS)
def test_sniff_rejects_other_tools(corpus_dir: Path, name: str) -> None:
    assert not PARSER.sniff(Sniff((corpus_dir / name).read_bytes()[:65536], name))


@pytest.mark.parametrize("name", SCA_WORKSPACE)
def test_sca_workspace_exports_are_refused_by_name(corpus_dir: Path, name: str) -> None:
    kind = "CSV file" if name.endswith(".csv") else "JSON document of Veracode SCA workspace issues"
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


def test_non_seekable_stream(corpus_dir: Path) -> None:
    path = corpus_dir / "veracode/veracode_scan.xml"
    streamed = list(run_parser(PARSER, unseekable(path.read_bytes())))
    assert streamed == parse_file(PARSER, path)
    csv = (corpus_dir / "veracode_sca/veracode_sca.csv").read_bytes()
    with pytest.raises(InvalidFile, match="CSV"):
        list(run_parser(PARSER, unseekable(csv)))


# ---------------------------------------------------------------------------------------------
# Findings REST API JSON

APPLICATION = "Veracode app zyx789-xyz987"
JSON_TAGS = {"STATIC": "SAST", "DYNAMIC": "DAST", "SCA": "SCA"}


def _json_items(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    items = data["findings"] if "findings" in data else data["_embedded"]["findings"]
    assert isinstance(items, list)
    return items


def _json_id(item: dict[str, Any]) -> str:
    details = item["finding_details"]
    return str(details["cve"]["name"]) if item["scan_type"] == "SCA" else str(details["cwe"]["id"])


def _parse_bytes(data: bytes) -> list[Any]:
    return list(run_parser(PARSER, io.BytesIO(data)))


def _by_issue(findings: list[ScanFinding], issue: str) -> ScanFinding:
    return next(f for f in findings if ("Issue ID", issue) in f.fields)


@pytest.mark.parametrize("name", JSON_FILES)
def test_json_counts_match_the_file(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / "veracode" / name
    items = _json_items(path)
    records = parse_file(PARSER, path)
    findings = findings_of(records)

    assert len(findings) == len(items)  # closed and mitigated findings are kept
    assert {f.flaw_id for f in findings} == {_json_id(i) for i in items}
    assert Counter(f.flaw_id for f in findings) == Counter(_json_id(i) for i in items)
    assert Counter(f.tags for f in findings) == Counter((JSON_TAGS[i["scan_type"]],) for i in items)
    assert sorted(f.severity.value for f in findings) == sorted(
        SEVERITIES[str(i["finding_details"]["severity"])] for i in items
    )
    raw = path.read_text(encoding="utf-8")
    cves = {c.upper() for c in re.findall(r"CVE-\d{4}-\d{4,}", raw, re.IGNORECASE)}
    assert cves <= {c for f in findings for c in f.cves}
    cwes = {i["finding_details"]["cwe"]["id"] for i in items if "cwe" in i["finding_details"]}
    assert cwes == {c for f in findings for c in f.cwes}
    assert sorted(dict(f.fields).get("Issue ID", "") for f in findings) == sorted(
        str(i.get("issue_id", "")) for i in items
    )
    assert Counter(dict(f.fields)["Remediation Status"] for f in findings) == Counter(
        i["finding_status"]["status"] for i in items
    )
    hosts = {urlsplit(i["finding_details"]["url"]).hostname for i in items if i["scan_type"] == "DYNAMIC"}
    applications = {f"Veracode app {i['context_guid']}" for i in items}
    assert [a.name for a in assets_of(records)] == sorted(applications) + sorted(h for h in hosts if h)
    assert {f.asset for f in findings} == {
        urlsplit(i["finding_details"]["url"]).hostname if i["scan_type"] == "DYNAMIC" else APPLICATION for i in items
    }


@pytest.mark.parametrize("kind", ["static", "dynamic", "sca"])
def test_json_list_and_embedded_formats_give_identical_records(corpus_dir: Path, kind: str) -> None:
    listed = parse_file(PARSER, corpus_dir / "veracode" / f"{kind}_findings_list_format.json")
    embedded = parse_file(PARSER, corpus_dir / "veracode" / f"{kind}_embedded_format.json")
    assert listed == embedded
    assert findings_of(listed)


def test_json_static_finding(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(PARSER, corpus_dir / "veracode/static_findings_list_format.json"))
    ssrf = _by_issue(findings, "16516871")
    assert ssrf.flaw_id == "918"
    assert ssrf.title == "Server-Side Request Forgery (SSRF)"
    assert ssrf.severity is Severity.MEDIUM
    assert ssrf.tags == ("SAST",)
    assert ssrf.cwes == (918,)
    assert ssrf.asset == APPLICATION
    assert ssrf.port is None
    assert ssrf.location_url == "com/insecure-company-alliance/CoolProduct/class.java:147"
    assert ssrf.description.startswith("SSRF attacks works when an attacker can pass a URL")
    assert ssrf.recommendations.startswith("As a mitigation, create a list of allowed hosts")
    assert ssrf.references == (
        "https://cwe.mitre.org/data/definitions/918.html",
        "https://owasp.org/www-community/attacks/Server_Side_Request_Forgery",
    )
    fields = dict(ssrf.fields)
    assert fields["Flaw Type"] == "org.apache.http.client.HttpClient.execute"
    assert fields["Module"] == "CoolProduct.jar"
    assert fields["Finding Category"] == "Information Leakage"
    assert fields["Exploit Level"] == "Likely"
    assert fields["Affects Policy Compliance"] == "true"
    assert fields["First Found"] == "2021-08-27T07:33:40.989Z"
    assert fields["Build ID"] == "1268436506"
    (evidence,) = ssrf.evidence
    assert evidence.caption == "Static flaw location (issue 16516871)"
    assert evidence.code == (
        "Source file: com/insecure-company-alliance/CoolProduct/class.java:147\n"
        "Function: com.insecure-company-alliance.CoolProduct.Class.execute\n"
        "Relative location in function (%): 1\n"
        "Module: CoolProduct.jar\n"
        "Flaw type: org.apache.http.client.HttpClient.execute"
    )
    xss = _by_issue(findings, "16516872")
    assert xss.title == "Improper Neutralization of Script-Related HTML Tags in a Web Page (Basic XSS)"
    assert "<span>" not in xss.description
    assert "References" not in xss.description
    assert xss.references[-1] == "https://docs.veracode.com/r/review_cleansers"
    assert "File name: update.jsp" in xss.evidence[0].code  # file_name differs from file_path's name
    closed = _by_issue(findings, "16516873")
    assert dict(closed.fields)["Remediation Status"] == "CLOSED"
    assert closed.location_url == "/WEB-INF/views/contact.jsp:59"


def test_json_dynamic_finding(corpus_dir: Path) -> None:
    records = parse_file(PARSER, corpus_dir / "veracode/dynamic_embedded_format.json")
    findings = findings_of(records)
    injection = _by_issue(findings, "1568514641")
    assert injection.flaw_id == "74"
    assert injection.severity is Severity.HIGH
    assert injection.tags == ("DAST",)
    assert injection.asset == "application.insecure-company-alliance.com"
    assert injection.port == Port(number="443", protocol="tcp", service="https")
    assert injection.location_url == (
        "https://application.insecure-company-alliance.com:443/api/*_*//new_user_sign_up?param=wild-things"
    )
    assert injection.vulnerable_parameters == ("api",)
    assert injection.references == ("http://cwe.mitre.org/cgi-bin/jumpmenu.cgi?id=74",)
    assert injection.recommendations.startswith("It is recommended to identify how the current parameter is used")
    assert ("Plugin", "Code Injection") in injection.fields
    assert "Vulnerable parameter: api" in injection.evidence[0].code
    assert injection.evidence[0].caption == "Dynamic flaw location (issue 1568514641)"
    mitigated = _by_issue(findings, "1568514647")
    assert mitigated.severity is Severity.INFORMATIONAL  # Veracode severity 0
    assert mitigated.vulnerable_parameters == ("x-content-type-options header",)
    fields = dict(mitigated.fields)
    assert (fields["Remediation Status"], fields["Resolution"], fields["Resolution Status"]) == (
        "CLOSED",
        "MITIGATED",
        "APPROVED",
    )
    assert fields["Affects Policy Compliance"] == "false"
    no_parameter = _by_issue(findings, "1568514646")
    assert no_parameter.vulnerable_parameters == ()
    application, host = assets_of(records)
    assert application.name == APPLICATION
    assert application.type == "Application"
    assert host.name == host.hostname == "application.insecure-company-alliance.com"
    assert host.ports == (Port(number="443", protocol="tcp", service="https"),)


def test_json_sca_finding(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(PARSER, corpus_dir / "veracode/sca_findings_list_format.json"))
    spring = next(f for f in findings if f.flaw_id == "CVE-2023-20883")
    assert spring.title == "CVE-2023-20883 in spring-boot-autoconfigure"
    assert spring.severity is Severity.HIGH
    assert spring.tags == ("SCA",)
    assert spring.cves == ("CVE-2023-20883",)
    assert spring.cwes == (400,)
    assert spring.scores == (
        Score(kind="CVSS2", vector="AV:N/AC:M/Au:N/C:N/I:N/A:C", score="7.1"),
        Score(kind="CVSS3", vector="AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", score="7.5"),
    )
    assert spring.references == ("http://nvd.nist.gov/vuln/detail/CVE-2023-20883",)
    assert spring.asset == APPLICATION
    assert spring.location_url == "path/to/alpha/spring-boot-autoconfigure-2.5.14.jar"
    assert spring.recommendations == (
        "Update spring-boot-autoconfigure from version 2.5.14 to a release that fixes CVE-2023-20883."
    )
    assert spring.description.startswith("spring-boot-autoconfigure is vulnerable to Denial Of Service (DoS).")
    assert spring.description.endswith("Component: spring-boot-autoconfigure 2.5.14")
    for letter in ("alpha", "beta", "charlie", "delta"):
        assert f"  path/to/{letter}/spring-boot-autoconfigure-2.5.14.jar" in spring.evidence[0].code
    fields = dict(spring.fields)
    assert fields["Library"] == "spring-boot-autoconfigure"
    assert fields["Library Version"] == "2.5.14"
    assert fields["Component File"] == "spring-boot-autoconfigure-2.5.14.jar"
    assert fields["Licenses"] == "apache-2.0 (risk rating 2)"
    assert fields["SCA Scan Mode"] == "UPLOAD"
    assert "Issue ID" not in fields  # SCA findings have no issue_id

    srcclr = next(f for f in findings if f.flaw_id == "SRCCLR-SID-41137")  # no CVE: Veracode's own id
    assert srcclr.title == "SRCCLR-SID-41137 in inflight"
    assert srcclr.cves == ()
    assert srcclr.references == (
        "https://sca.analysiscenter.veracode.com/vulnerability-database/search#query=SRCCLR-SID-41137",
    )
    guava = next(f for f in findings if f.flaw_id == "CVE-2023-2976")
    assert guava.title == "CVE-2023-2976 in guava"
    bouncy = [f for f in findings if f.flaw_id == "CVE-2023-33201"]
    assert sorted(f.title for f in bouncy) == [
        "CVE-2023-33201 in bcprov-ext-jdk15on",
        "CVE-2023-33201 in bcprov-ext-jdk15to18",
        "CVE-2023-33201 in bcprov-jdk15on",
        "CVE-2023-33201 in bcprov-jdk15to18",
    ]
    esapi = next(f for f in findings if f.flaw_id == "CVE-2022-24891")
    assert ("Resolution", "POTENTIAL_FALSE_POSITIVE") in esapi.fields
    assert ("Licenses", "bsd-3-clause (risk rating 2), cc-by-sa-3.0 (risk rating 4)") in esapi.fields


def test_json_and_xml_of_one_scan_map_alike(corpus_dir: Path) -> None:
    """Findings API items built from XML flaws of the corpus give the same identity and placement."""
    xml = findings_of(parse_file(PARSER, corpus_dir / "veracode/veracode_scan.xml"))
    xml_static = _by_issue(xml, "18")
    xml_sca = next(f for f in xml if f.flaw_id == "CVE-2012-6153")
    (xml_dynamic,) = findings_of(parse_file(PARSER, corpus_dir / "veracode/dynamic_finding.xml"))
    document = {
        "findings": [
            {
                "issue_id": 18,
                "scan_type": "STATIC",
                "description": "<span>The application calls the javax.servlet.jsp.JspWriter.print() function.</span>",
                "context_type": "APPLICATION",
                "context_guid": "g-1",
                "finding_status": {"status": "OPEN"},
                "finding_details": {
                    "severity": 2,
                    "cwe": {"id": 201, "name": "Information Exposure Through Sent Data"},
                    "file_path": "/devTools/utility.jsp",
                    "file_name": "utility.jsp",
                    "file_line_number": 279,
                    "module": "bogus-services-client-web-1.1.15-SNAPSHOT.war",
                    "attack_vector": "javax.servlet.jsp.JspWriter.print",
                    "exploitability": -1,
                },
            },
            {
                "issue_id": 2,
                "scan_type": "DYNAMIC",
                "description": "<span>Description</span>",
                "context_type": "APPLICATION",
                "context_guid": "g-1",
                "finding_details": {
                    "severity": 3,
                    "cwe": {"id": 456, "name": "catname"},
                    "url": "https://www.example.com/index.html",
                },
            },
            {
                "scan_type": "SCA",
                "description": "The MIME decoder in commons-httpclient has a flaw.",
                "context_type": "APPLICATION",
                "context_guid": "g-1",
                "finding_details": {
                    "severity": 3,
                    "cwe": {"id": 20},
                    "cve": {"name": "CVE-2012-6153", "cvss": 4.3},
                    "component_filename": "commons-httpclient-3.1.jar",
                    "version": "3.1",
                },
            },
        ]
    }
    static, dynamic, sca = findings_of(_parse_bytes(json.dumps(document).encode()))
    for from_json, from_xml in ((static, xml_static), (dynamic, xml_dynamic), (sca, xml_sca)):
        assert from_json.flaw_id == from_xml.flaw_id
        assert from_json.title == from_xml.title
        assert from_json.severity is from_xml.severity
        assert from_json.tags == from_xml.tags
        assert from_json.cwes == from_xml.cwes
        assert from_json.port == from_xml.port
    assert static.location_url == xml_static.location_url == "/devTools/utility.jsp:279"
    for label in ("Flaw Type", "Module", "Exploit Level", "Issue ID"):
        assert dict(static.fields)[label] == dict(xml_static.fields)[label]
    assert dynamic.asset == xml_dynamic.asset == "www.example.com"
    assert dynamic.location_url == xml_dynamic.location_url
    assert sca.recommendations == xml_sca.recommendations
    assert static.asset == sca.asset == "Veracode app g-1"


def test_json_manual_finding_handmade() -> None:
    """A MANUAL finding and annotations, hand-made from the public Findings API description."""
    document = {
        "_embedded": {
            "findings": [
                {
                    "issue_id": 7,
                    "scan_type": "MANUAL",
                    "description": "<span>The search form is injectable.</span>",
                    "context_type": "SANDBOX",
                    "context_guid": "sb-9",
                    "violates_policy": True,
                    "finding_status": {"status": "OPEN", "resolution": "UNRESOLVED", "new": True},
                    "finding_details": {
                        "severity": 5,
                        "cwe": {"id": 89, "name": "SQL Injection"},
                        "capec_id": 66,
                        "cvss": 9.1,
                        "exploit_desc": "Send q=' OR 1=1-- to dump all rows (CVE-2021-0002).",
                        "severity_desc": "Full database read.",
                        "remediation_desc": "Bind the search term as a parameter.",
                        "input_vector": "q",
                        "location": "https://shop.example.com/search",
                        "module": "web",
                    },
                    "annotations": [
                        {"action": "APPROVED", "user_name": "lead", "created": "2024-01-02", "comment": "ok"},
                        {"action": "COMMENT", "comment": "retest"},
                    ],
                }
            ]
        },
        "page": {"total_elements": 1},
    }
    records = _parse_bytes(json.dumps(document).encode())
    (manual,) = findings_of(records)
    assert manual.flaw_id == "89"
    assert manual.tags == ("Manual",)
    assert manual.severity is Severity.CRITICAL
    assert manual.asset == "shop.example.com"
    assert manual.port == Port(number="443", protocol="tcp", service="https")
    assert manual.location_url == "https://shop.example.com/search"
    assert manual.vulnerable_parameters == ("q",)
    assert manual.description.startswith("The search form is injectable.")
    assert "Send q=' OR 1=1-- to dump all rows" in manual.description
    assert manual.cves == ("CVE-2021-0002",)
    assert manual.recommendations == "Bind the search term as a parameter."
    fields = dict(manual.fields)
    assert fields["CAPEC ID"] == "66"
    assert fields["CVSS Score"] == "9.1"
    assert fields["New"] == "true"
    assert fields["Mitigations"] == "APPROVED by lead on 2024-01-02: ok\nCOMMENT: retest"
    assert manual.evidence[0].caption == "Flaw location (issue 7)"
    assert [a.name for a in assets_of(records)] == ["Veracode sandbox sb-9", "shop.example.com"]


@pytest.mark.parametrize("name", JSON_FILES)
def test_json_is_claimed_by_veracode_alone(corpus_dir: Path, name: str) -> None:
    head = Sniff((corpus_dir / "veracode" / name).read_bytes()[:65536], name)
    assert [source for source, parser in PARSERS.items() if parser.sniff(head)] == ["veracode"]
    assert PARSER.sniff(Sniff(head.head[:200]))  # the marker is near the start


def test_sniff_claims_nothing_outside_the_veracode_folder(corpus_dir: Path) -> None:
    claimed = [
        str(path.relative_to(corpus_dir))
        for path in sorted(corpus_dir.rglob("*"))
        if path.is_file() and path.parent.name != "veracode" and PARSER.sniff(Sniff(path.read_bytes()[:65536]))
    ]
    assert claimed == []


@pytest.mark.parametrize(
    "document",
    [
        b'{"findings": [{"id": 1, "title": "another tool", "severity": "high"}]}',
        b'{"_embedded": {"issues": [{"id": "x", "issue_type": "vulnerability"}]}}',
        b'{"findings": []}',
        b'[{"scan_type": "STATIC"}]',
    ],
)
def test_sniff_rejects_json_without_the_findings_api_marks(document: bytes) -> None:
    assert not PARSER.sniff(Sniff(document))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "acunetix/acunetix360_one_finding.json",
            "top-level keys are Generated, Target, Vulnerabilities; expected findings or _embedded.findings",
        ),
        ("checkmarx_osa/single_finding.json", "found a JSON array; expected findings or _embedded.findings"),
        ("burp_api/example.json", "top-level keys are issue_events, message, scan_metrics, scan_status, task_id;"),
    ],
)
def test_wrong_json_names_the_keys_found(corpus_dir: Path, name: str, message: str) -> None:
    with pytest.raises(InvalidFile) as caught:
        parse_file(PARSER, corpus_dir / name)
    assert caught.value.source == "veracode"
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b'{"_embedded": {"things": []}}', "top-level keys are _embedded (_embedded holds things); expected"),
        (b'{"findings": [{"scan_type": "STATIC"}, 3]}', "findings[1] is a number, expected a finding object"),
        (b'{"findings": [{"scan_type": "STATIC"}', "truncated or malformed JSON"),
    ],
)
def test_malformed_json_is_refused(document: bytes, message: str) -> None:
    with pytest.raises(InvalidFile, match=re.escape(message)):
        _parse_bytes(document)


@pytest.mark.parametrize(
    "document",
    [b'{"findings": []}', b'{"_embedded": {"findings": []}, "page": {}}', b'{"_links": {}, "page": {"size": 0}}'],
)
def test_empty_results_give_nothing(document: bytes) -> None:
    assert _parse_bytes(document) == []


def test_json_beyond_the_first_bytes_and_unseekable(corpus_dir: Path) -> None:
    """A multi-page export larger than the sniffed head, read from a pipe-like stream."""
    items = _json_items(corpus_dir / "veracode/dynamic_findings_list_format.json")
    many = [{**item, "issue_id": n} for n in range(400) for item in items[:1]]
    data = json.dumps({"_embedded": {"findings": many}, "page": {"total_elements": len(many)}}).encode()
    assert len(data) > 4 * 65536
    streamed = list(run_parser(PARSER, unseekable(data)))
    findings = findings_of(streamed)
    assert len(findings) == 400
    assert [dict(f.fields)["Issue ID"] for f in findings] == [str(n) for n in range(400)]
    path = corpus_dir / "veracode/sca_embedded_format.json"
    assert list(run_parser(PARSER, unseekable(path.read_bytes()))) == parse_file(PARSER, path)


def test_json_memory_is_flat(corpus_dir: Path, tmp_path: Path) -> None:
    """Peak memory does not follow the file's size (the slack covers CPython's tuple free lists)."""
    items = [
        item
        for kind in ("static", "dynamic", "sca")
        for item in _json_items(corpus_dir / f"veracode/{kind}_findings_list_format.json")
    ]
    paths = []
    for copies in (20, 240):
        path = tmp_path / f"{copies}.json"
        findings = [{**item, "issue_id": n} for n in range(copies) for item in items]
        path.write_text(json.dumps({"_embedded": {"findings": findings}, "page": {}}), encoding="utf-8")
        paths.append(path)
    small, big = paths
    assert big.stat().st_size > 8_000_000
    small_count, small_peak = peak_parse_memory(PARSER, small)
    big_count, big_peak = peak_parse_memory(PARSER, big)
    assert (small_count, big_count) == (20 * len(items) + 2, 240 * len(items) + 2)  # + application and host
    assert big_peak < small_peak + 1024 * 1024, (small_peak, big_peak)
    assert big_peak < 2 * 1024 * 1024, big_peak
