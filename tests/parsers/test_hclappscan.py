"""HCL AppScan XML (``hclappscan``): AppScan Standard 2.7, IBM AppScan 2.42 and ASoC DAST/SAST.

Expectations are derived from each corpus file with a plain ``lxml.etree.parse`` (independent of
the streaming parser). The two small documents built in ``_document`` are hand-made, following
the structure of the real exports, to pin the "groups after items" spooling path.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from lxml import etree

from scanlift.parsers.base import InvalidFile, Port, Severity, Sniff
from scanlift.parsers.hclappscan import HclAppScanParser
from tests.parsers.records import assets_of, findings_of, parse_file, run_parser, unseekable

PARSER = HclAppScanParser()

FILES = (
    "appscan/issue_10074.xml",
    "appscan/issue_9279.xml",
    "appscan/many_findings.xml",
    "appscan/no_findings.xml",
    "ibm_app/testfire.xml",
    "hcl_asoc_sast/many_issues.xml",
    "hcl_asoc_sast/no_issues.xml",
    "hcl_asoc_sast/one_issue.xml",
)

OTHER_TOOLS = (
    "nessus/nessus_v_unknown.xml",
    "burp/one_finding.xml",
    "checkmarx/single_finding.xml",
    "veracode/one_finding.xml",
    "zap/0_zap_sample.xml",
    "nexpose/many_vulns.xml",
    "qualys/Qualys_Sample_Report.xml",
    "checkmarx/multiple_findings.json",
)


def _items(path: Path) -> list[etree._Element]:
    group = etree.parse(str(path)).getroot().find("issue-group")
    return [] if group is None else [i for i in group if i.tag == "item"]


def test_corpus_list_is_complete(corpus_dir: Path) -> None:
    found = {f"{d}/{p.name}" for d in ("appscan", "ibm_app", "hcl_asoc_sast") for p in (corpus_dir / d).glob("*.xml")}
    assert found == set(FILES)


@pytest.mark.parametrize("name", FILES)
def test_counts_match_the_file(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / name
    items = _items(path)
    findings = findings_of(parse_file(PARSER, path))

    assert len(findings) == len(items)
    assert {f.flaw_id for f in findings} == {i.findtext("issue-type/ref") for i in items}
    raw = path.read_text(encoding="utf-8-sig")
    cves = {c.upper() for c in re.findall(r"CVE-\d{4}-\d{4,}", raw, re.IGNORECASE)}
    assert cves <= {c for f in findings for c in f.cves}
    item_cwes = {int(c) for i in items for c in [i.findtext("cwe") or i.findtext("cwe/ref")] if c and c.isdigit()}
    assert item_cwes <= {c for f in findings for c in f.cwes}
    with_traffic = sum(1 for i in items if (i.findtext("variant-group/item/test-http-traffic") or "").strip())
    assert sum(1 for f in findings if any(e.caption == "HTTP request/response" for e in f.evidence)) == with_traffic
    assert all(f.title and f.description for f in findings)


@pytest.mark.parametrize("name", FILES)
def test_sniff_accepts_every_corpus_file(corpus_dir: Path, name: str) -> None:
    assert PARSER.sniff(Sniff((corpus_dir / name).read_bytes()[:65536], name))


@pytest.mark.parametrize("name", OTHER_TOOLS)
def test_sniff_rejects_other_tools(corpus_dir: Path, name: str) -> None:
    assert not PARSER.sniff(Sniff((corpus_dir / name).read_bytes()[:65536], name))


def test_wrong_root_names_what_was_found(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile) as caught:
        parse_file(PARSER, corpus_dir / "nessus/nessus_v_unknown.xml")
    assert caught.value.source == "hclappscan"
    assert "<NessusClientData_v2>" in str(caught.value)
    assert "<xml-report>" in str(caught.value)


def test_json_upload_is_named(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile, match=r"hclappscan.*JSON"):
        parse_file(PARSER, corpus_dir / "checkmarx/multiple_findings.json")


def test_truncated_file_is_invalid(corpus_dir: Path) -> None:
    data = (corpus_dir / "appscan/issue_9279.xml").read_bytes()[:200_000]
    with pytest.raises(InvalidFile, match="truncated"):
        list(run_parser(PARSER, io.BytesIO(data)))


@pytest.mark.parametrize("name", ["appscan/no_findings.xml", "hcl_asoc_sast/no_issues.xml"])
def test_empty_reports_yield_nothing(corpus_dir: Path, name: str) -> None:
    assert parse_file(PARSER, corpus_dir / name) == []


def test_standard_27_resolves_groups_written_after_the_items(corpus_dir: Path) -> None:
    """issue_9279.xml writes advisory/cause/remediation groups after issue-group."""
    records = parse_file(PARSER, corpus_dir / "appscan/issue_9279.xml")
    findings = findings_of(records)
    header = next(f for f in findings if f.flaw_id == "attUnnecessaryResponseHeaders")
    assert header.title == "Unnecessary Http Response Headers found in the Application"
    assert header.severity is Severity.LOW
    assert header.cwes == (200,)
    assert header.asset == "demo.testfire.net"
    assert header.port == Port(number="443", protocol="tcp", service="https")
    assert header.location_url == "https://demo.testfire.net/login.jsp"
    assert header.scores[0].kind == "CVSS3"
    assert header.scores[0].score == "3.7"
    assert header.scores[0].vector.startswith("AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N")
    # Causes come from cause-group and the risk text from advisory-group, both after the items.
    assert "Insecure web application programming or configuration" in header.description
    assert "It is possible to gather sensitive information about the web server" in header.description
    # Remediation name from remediation-group, then the fix recommendation text.
    assert header.recommendations.startswith("Do not allow sensitive information to leak.")
    assert "http://projects.webappsec.org/Information-Leakage" in header.references
    assert ("Threat Classification", "Information Leakage") in header.fields
    traffic = next(e for e in header.evidence if e.caption == "HTTP request/response")
    assert traffic.code.startswith("GET /login.jsp HTTP/1.1\nHost: demo.testfire.net")
    assert "<!-- BEGIN HEADER -->" in traffic.code  # XML entities decoded, body kept verbatim
    assert any(e.caption == "AppScan reasoning" for e in header.evidence)
    assets = assets_of(records)
    assert [a.name for a in assets] == ["demo.testfire.net"]
    assert assets[0].ports == (Port(number="443", protocol="tcp", service="https"),)


def test_ibm_242_export(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(PARSER, corpus_dir / "ibm_app/testfire.xml"))
    xss = [f for f in findings if f.flaw_id == "attCrossSiteScripting"]
    assert len(xss) == 9
    feedback = next(f for f in xss if f.location_url == "https://demo.testfire.net/sendFeedback")
    assert feedback.title == "Cross-Site Scripting"
    assert feedback.severity is Severity.HIGH
    assert feedback.cves == ("CVE-2022-00001",)
    assert feedback.cwes == (79,)
    assert feedback.scores[0].kind == "CVSS2"
    assert feedback.scores[0].vector == "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:ND/RL:ND/RC:ND/CDP:ND/TD:ND/CR:ND/IR:ND/AR:ND"
    assert feedback.vulnerable_parameters == ("cfile", "name", "email_addr", "subject", "comments", "submit")
    assert ("X-Force ID", "6784") in feedback.fields
    assert "https://exchange.xforce.ibmcloud.com/vulnerabilities/6784" in feedback.references
    assert feedback.description.startswith("AppScan has detected that the application does not correctly")
    # 2.42 advisories list security-risk ids: they are resolved to the security-risk-group text.
    assert "userImpersonation" not in feedback.description
    assert "It may be possible to steal or manipulate customer session and cookies" in feedback.description
    assert feedback.recommendations.startswith("Review possible solutions for hazardous character injection")
    difference = next(e for e in feedback.evidence if e.caption == "Test differences")
    assert "parameter cfile: 'comments.txt' -> " in difference.code
    parameter_entity = next(f for f in findings if ("Entity", "Parameter: query") in f.fields)
    assert "query" in parameter_entity.vulnerable_parameters


def test_asoc_dast_export(corpus_dir: Path) -> None:
    records = parse_file(PARSER, corpus_dir / "appscan/many_findings.xml")
    login = next(f for f in findings_of(records) if f.flaw_id == "attLoginNotOverSSL")
    assert login.title == "Unencrypted Login Request"
    assert login.severity is Severity.HIGH
    assert login.asset == "mani-virtual-machine"
    assert login.port == Port(number="9000", protocol="tcp", service="http")
    assert login.location_url.startswith("http://mani-virtual-machine:9000/dvja-1.0-SNAPSHOT/")
    assert login.vulnerable_parameters
    assert "Login pages should always employ SSL" in login.description  # from article-group
    assert login.recommendations.startswith("Enforce SSL use for the login page")
    assert ("Technology", "DAST") in login.fields
    cookie = next(f for f in findings_of(records) if f.flaw_id == "attSameSiteCookie")
    assert "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Set-Cookie/SameSite" in cookie.references
    assert cookie.cwes == (1275,)
    assert [a.name for a in assets_of(records)] == ["mani-virtual-machine"]


def test_asoc_sast_export(corpus_dir: Path) -> None:
    records = parse_file(PARSER, corpus_dir / "hcl_asoc_sast/many_issues.xml")
    findings = findings_of(records)
    assert {f.asset for f in findings} == {"sample-php"}
    bypass = next(f for f in findings if f.location_url == "sample-php/config/php.ini:1309")
    assert bypass.flaw_id == "AccessControl.Bypass"
    assert bypass.title == "Authentication Bypass"
    assert bypass.severity is Severity.HIGH
    assert bypass.cwes == (288,)
    assert bypass.port is None
    assert bypass.recommendations == "Verify Session Data Stored in A Secure Directory"
    assert ("Language", "PHP") in bypass.fields
    trace = bypass.evidence[0]
    assert trace.caption == "Code location and call trace"
    assert 'session.save_path = "N;/path"' in trace.code
    assert "Caller: sample-php/config/php.ini:1309" in trace.code
    assets = assets_of(records)
    assert [(a.name, a.type) for a in assets] == [("sample-php", "Application")]


def test_censored_export_keeps_items_without_severity(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(PARSER, corpus_dir / "appscan/issue_10074.xml"))
    assert [f.severity for f in findings].count(Severity.HIGH) == 3
    unknown = next(f for f in findings if f.severity is Severity.INFORMATIONAL)
    assert ("AppScan Severity", "CENSURED") in unknown.fields
    assert unknown.vulnerable_parameters == ("DateTime$DDD$C$TE",)


def _document(groups_first: bool) -> bytes:
    issue = b"""<issue-group><item id="1"><severity>Medium</severity><cwe>79</cwe>
      <issue-type><ref>attX</ref></issue-type><advisory><ref>attX</ref></advisory>
      <url><ref>u1</ref></url><entity><ref>e1</ref></entity>
      <variant-group><item id="v"><reasoning>because</reasoning>
        <differences><item name="q" original="a" altered="b" difference-type="changed"
          difference-element="parameter"/></differences>
        <test-http-traffic>GET /?q=b HTTP/1.1</test-http-traffic></item></variant-group>
    </item></issue-group>"""
    groups = b"""<issue-type-group><item id="attX"><name>X Issue</name><cve>CVE-2020-1234</cve>
        <advisory><ref>attX</ref></advisory></item></issue-type-group>
      <url-group><item id="u1"><name>https://h.example:8443/a</name></item></url-group>
      <entity-group><item id="e1"><name>q</name><entity-type>Parameter</entity-type></item></entity-group>
      <advisory-group><item id="attX"><advisory><name>X Issue</name>
        <testTechnicalDescription><text>Tech text.</text></testTechnicalDescription>
      </advisory></item></advisory-group>"""
    body = groups + issue if groups_first else issue + groups
    return b'<xml-report name="AppScan Report" xmlExportVersion="2.7">' + body + b"</xml-report>"


@pytest.mark.parametrize("groups_first", [True, False])
def test_items_resolve_whatever_the_group_order(groups_first: bool) -> None:
    records = list(run_parser(PARSER, io.BytesIO(_document(groups_first))))
    (finding,) = findings_of(records)
    assert finding.flaw_id == "attX"
    assert finding.title == "X Issue"
    assert finding.severity is Severity.MEDIUM
    assert finding.cves == ("CVE-2020-1234",)
    assert finding.description == "Tech text."
    assert finding.asset == "h.example"
    assert finding.port == Port(number="8443", protocol="tcp", service="https")
    assert finding.vulnerable_parameters == ("q",)
    assert [e.caption for e in finding.evidence] == [
        "HTTP request/response",
        "AppScan reasoning",
        "Test differences",
    ]
    assert [a.name for a in assets_of(records)] == ["h.example"]


def test_non_seekable_stream(corpus_dir: Path) -> None:
    path = corpus_dir / "ibm_app/testfire.xml"
    streamed = list(run_parser(PARSER, unseekable(path.read_bytes())))
    assert streamed == parse_file(PARSER, path)
    json = (corpus_dir / "checkmarx/multiple_findings.json").read_bytes()
    with pytest.raises(InvalidFile, match="JSON"):
        list(run_parser(PARSER, unseekable(json)))


def test_a_malformed_location_url_keeps_the_finding(corpus_dir: Path) -> None:
    # An unclosed IPv6 bracket made urlsplit raise ValueError out of the parser (found by fuzzing).
    original = (corpus_dir / "appscan/many_findings.xml").read_bytes()
    broken = original.replace(
        b"<location>http://mani-virtual-machine:9000/dvja-1.0-SNAPSHOT/register.action</location>",
        b"<location>http://[mani-virtual-machine:9000/register.action</location>",
    )
    assert broken != original
    records = list(run_parser(PARSER, io.BytesIO(broken)))
    assert len(findings_of(records)) == len(findings_of(list(run_parser(PARSER, io.BytesIO(original)))))
