"""BurpParser (source "burp") over every real Burp sample in the corpus.

Variants: Burp Issues XML (``burp/``), Dastardly JUnit XML (``burp_dastardly/``), REST API scan
JSON (``burp_api/``) and Enterprise GraphQL JSON (``burp_graphql/``). Expected counts are derived
from each file independently, with a plain ``lxml.etree.parse`` or ``json.load`` in the test.
"""

from __future__ import annotations

import base64
import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from lxml import etree

from scanlift.parsers.base import InvalidFile, ScanFinding, Severity, Sniff
from scanlift.parsers.burp import BurpParser
from scanlift.parsers.burphtml import BurpHtmlParser
from tests.parsers.records import CountingReader, assets_of, findings_of, parse_file, run_parser

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
XML_FILES = sorted(p.name for p in (CORPUS / "burp").glob("*.xml"))
API_FILES = sorted(p.name for p in (CORPUS / "burp_api").glob("*.json"))
GRAPHQL_FILES = sorted(p.name for p in (CORPUS / "burp_graphql").glob("*.json"))
ALL_FILES = [
    *(f"burp/{n}" for n in XML_FILES),
    "burp_dastardly/many_findings.xml",
    *(f"burp_api/{n}" for n in API_FILES),
    *(f"burp_graphql/{n}" for n in GRAPHQL_FILES),
]
EXTENSION_TYPE = "134217728"
CVE_RE = re.compile(r"CVE-\d{4}-\d{4,}", re.IGNORECASE)
CWE_RE = re.compile(r"CWE-(\d+)")

parser = BurpParser()


def _findings(path: Path) -> list[ScanFinding]:
    return findings_of(parse_file(parser, path))


def _all_cves(findings: list[ScanFinding]) -> set[str]:
    return {cve for f in findings for cve in f.cves}


def _raw_cves(path: Path) -> set[str]:
    return {m.upper() for m in CVE_RE.findall(path.read_text(encoding="utf-8"))}


def _pairs(finding: ScanFinding) -> list[str]:
    return [e.code for e in finding.evidence if e.caption.startswith("Request/response")]


def test_corpus_files_present(corpus_dir: Path) -> None:
    assert len(ALL_FILES) >= 15
    for name in ALL_FILES:
        assert (corpus_dir / name).is_file(), name


# --- Burp Issues XML ----------------------------------------------------------------------


@pytest.mark.parametrize("name", XML_FILES)
def test_xml_counts_match_file(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / "burp" / name
    issues = list(etree.parse(str(path)).getroot().iter("issue"))
    findings = _findings(path)
    assert len(findings) == len(issues)
    typed = {i.findtext("type") for i in issues if i.findtext("type") != EXTENSION_TYPE}
    extension_names = {i.findtext("name") for i in issues if i.findtext("type") == EXTENSION_TYPE}
    assert len({f.flaw_id for f in findings}) == len(typed) + len(extension_names)
    assert {f.flaw_id for f in findings} >= typed
    assert Counter(f.title for f in findings) == Counter(i.findtext("name") for i in issues)
    labels = {"Information": "Informational"}
    assert Counter(f.severity.value for f in findings) == Counter(
        labels.get(i.findtext("severity") or "", i.findtext("severity")) for i in issues
    )
    assert _all_cves(findings) == _raw_cves(path)
    for issue, finding in zip(issues, findings, strict=True):
        classifications = issue.findtext("vulnerabilityClassifications") or ""
        assert finding.cwes == tuple(dict.fromkeys(int(n) for n in CWE_RE.findall(classifications)))
        pairs = [
            rr for rr in issue.iterchildren("requestresponse") if rr.findtext("request") or rr.findtext("response")
        ]
        assert len(_pairs(finding)) == len(pairs)
        host = issue.find("host")
        assert host is not None
        assert finding.asset == urlsplit(host.text or "").hostname
        assert finding.location_url == f"{host.text}{issue.findtext('path')}"


@pytest.mark.parametrize("name", XML_FILES)
def test_xml_requests_are_base64_decoded(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / "burp" / name
    issues = list(etree.parse(str(path)).getroot().iter("issue"))
    for issue, finding in zip(issues, _findings(path), strict=True):
        evidence = "\n".join(_pairs(finding))
        for request in issue.iterfind("requestresponse/request"):
            assert request.get("base64") == "true"
            first_line = base64.b64decode(request.text or "").split(b"\n", 1)[0].strip().decode()
            assert first_line in evidence
            assert (request.text or "")[:40] not in evidence


def test_xml_assets_carry_ip_and_port(corpus_dir: Path) -> None:
    records = parse_file(parser, corpus_dir / "burp" / "one_finding_with_cwe.xml")
    [asset] = assets_of(records)
    assert asset.name == "example.com"
    assert asset.fqdn == "example.com"
    assert asset.ips == ("54.12.18.21",)
    assert [(p.number, p.service) for p in asset.ports] == [("443", "https")]
    [finding] = findings_of(records)
    assert finding.flaw_id == "7340288"
    assert finding.title == "Cacheable HTTPS response"
    assert finding.severity is Severity.INFORMATIONAL
    assert finding.cwes == (524, 525)
    assert finding.port is not None
    assert finding.port.number == "443"
    assert finding.location_url == "https://example.com/test/v4/public/users/fake"
    assert finding.description.startswith("Unless directed otherwise, browsers may store")
    assert "Cache-control: no-store" in finding.recommendations
    assert ("Confidence", "Certain") in finding.fields
    [pair] = _pairs(finding)
    assert pair.startswith("Request:\nGET /test/v4/public/users/fake HTTP/1.1\nHost: exemple.com")
    assert "Response:" not in pair  # the response element is empty


def test_xml_parameters_and_detail(corpus_dir: Path) -> None:
    findings = _findings(corpus_dir / "burp" / "one_finding.xml")
    assert {f.title for f in findings} == {"SQL injection"}
    assert {f.flaw_id for f in findings} == {"1049088"}
    assert all(f.severity is Severity.HIGH for f in findings)
    assert [f.vulnerable_parameters for f in findings] == [
        ("b_id cookie",),
        ("password parameter",),
        ("username parameter",),
    ]
    assert findings[0].location_url == "http://bwa/bodgeit/basket.jsp"
    assert findings[0].asset == "bwa"
    detail = findings[0].evidence[0]
    assert detail.caption.startswith("Issue detail")
    assert "The b_id cookie appears to be vulnerable to SQL injection attacks" in detail.code
    assert "handle errors gracefully" in findings[0].recommendations
    pair = _pairs(findings[0])[0]
    assert "Response:\nHTTP/1.1 500 Internal Server Error" in pair


def test_xml_extension_issues_and_collaborator(corpus_dir: Path) -> None:
    findings = _findings(corpus_dir / "burp" / "issue4399.xml")
    extension = [f for f in findings if ("Burp Issue Type", EXTENSION_TYPE) in f.fields]
    assert len({f.title for f in extension}) == 8
    assert len({f.flaw_id for f in extension}) == 8
    assert EXTENSION_TYPE not in {f.flaw_id for f in findings}
    vulners = next(f for f in findings if f.title == "[Vulners] Vulnerable Software detected")
    assert set(vulners.cves) == {"CVE-2018-19395", "CVE-2018-19396"}
    assert vulners.severity is Severity.MEDIUM
    oob = next(f for f in findings if f.title == "Out-of-band resource load (HTTP)")
    assert oob.cwes == (610, 918)
    assert oob.vulnerable_parameters == ("file parameter",)
    collaborator = [e for e in oob.evidence if e.caption.startswith("Collaborator")]
    assert len(collaborator) == 1
    assert "interactionType: HTTP" in collaborator[0].code
    assert "GET /pictures/6.jpg HTTP/1.0" in collaborator[0].code
    backup = next(f for f in findings if any("Location: /index.bak" in e.code for e in f.evidence))
    assert backup.location_url == "http://testphp.vulnweb.com/index.php"
    assert "Location: /index.bak" in backup.evidence[0].code


def test_xml_yields_before_reading_the_whole_file(corpus_dir: Path) -> None:
    path = corpus_dir / "burp" / "issue4399.xml"
    with path.open("rb") as raw:
        counting = CountingReader(raw)
        first = next(iter(run_parser(parser, counting)))
        assert first is not None
        assert counting.consumed < path.stat().st_size / 2


# --- Dastardly ---------------------------------------------------------------------------


def test_dastardly_counts_and_fields(corpus_dir: Path) -> None:
    path = corpus_dir / "burp_dastardly" / "many_findings.xml"
    root = etree.parse(str(path)).getroot()
    failures = list(root.iter("failure"))
    findings = _findings(path)
    assert len(findings) == len(failures) == 4
    assert len({f.flaw_id for f in findings}) == len({f.getparent().get("name") for f in failures})
    levels = {"Info": "Informational"}
    assert Counter(f.severity.value for f in findings) == Counter(
        levels.get(f.get("type") or "", f.get("type")) for f in failures
    )
    assert _all_cves(findings) == _raw_cves(path)
    assert {f.asset for f in findings} == {"ginandjuice.shop"}
    xss = findings[0]
    assert xss.title == "Cross-site scripting (reflected)"
    assert xss.severity is Severity.HIGH
    assert xss.port is not None
    assert (xss.port.number, xss.port.service) == ("443", "https")
    assert xss.location_url == "https://ginandjuice.shop/catalog"
    assert xss.vulnerable_parameters == ("searchTerm request parameter",)
    assert xss.cwes == (79, 80, 116, 159)
    assert "https://portswigger.net/web-security/cross-site-scripting" in xss.references
    assert xss.description.startswith("Reflected cross-site scripting vulnerabilities arise")
    assert xss.recommendations.startswith("In most situations where user-controllable data is copied")
    assert "Echoing user-controllable data within a script context" in xss.recommendations
    [pair] = _pairs(xss)
    assert pair.startswith("Request:\nGET /catalog?searchTerm=QvfSPO99978")
    assert "\nResponse:\nHTTP/2 200 OK" in pair
    library = findings[3]
    assert library.title == "Vulnerable JavaScript dependency"
    assert library.severity is Severity.LOW
    assert library.cwes == (1104,)
    assert len(library.cves) == 7


# --- REST API JSON ------------------------------------------------------------------------


def _api_issues(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [event["issue"] for event in data["issue_events"] if event.get("issue")]


@pytest.mark.parametrize("name", API_FILES)
def test_api_counts_match_file(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / "burp_api" / name
    issues = _api_issues(path)
    findings = _findings(path)
    assert len(findings) == len(issues)
    assert {f.flaw_id for f in findings} == {str(i["type_index"]) for i in issues}
    assert [f.title for f in findings] == [i["name"] for i in issues]
    assert _all_cves(findings) == _raw_cves(path)
    for issue, finding in zip(issues, findings, strict=True):
        exchanges = [e for e in issue.get("evidence", []) if "request_response" in e]
        assert len(_pairs(finding)) == len(exchanges)
        assert finding.location_url == issue["origin"] + issue["path"]
        for exchange in exchanges:
            segment = exchange["request_response"]["request"][0]
            first_line = base64.b64decode(segment["data"]).split(b"\r\n", 1)[0].decode()
            assert any(first_line in pair for pair in _pairs(finding))


def test_api_spot_checks(corpus_dir: Path) -> None:
    findings = _findings(corpus_dir / "burp_api" / "example.json")
    cookie = findings[0]
    assert cookie.title == "TLS cookie without secure flag set"
    assert cookie.flaw_id == "5243392"
    assert cookie.severity is Severity.INFORMATIONAL
    assert cookie.asset == "whitespots.io"
    assert cookie.location_url == "https://whitespots.io/build-ssdlc"
    assert "does not have the secure flag set" in cookie.description
    pair = _pairs(cookie)[0]
    assert pair.startswith("Request:\nGET /build-ssdlc HTTP/1.1\nHost: whitespots.io")
    assert "Set-Cookie: ipp_uid_tst=" in pair  # the highlighted segment, decoded
    assert "[Snip]" in pair
    assert any(e.code == "Information: Other: ipp_uid_tst" for e in cookie.evidence)
    payloads = [e.code for f in findings for e in f.evidence if e.code.startswith("Payload: ")]
    assert "Payload: vs562htdgp\nBand: in_band" in payloads
    many = _findings(corpus_dir / "burp_api" / "many_reqresp.json")
    assert len(_pairs(many[0])) == 22
    low = _findings(corpus_dir / "burp_api" / "fix_issue_9128.json")[0]
    assert low.severity is Severity.LOW
    assert low.description == "Issue background data"
    assert low.recommendations == "remediation background data"
    assert "[binary body of" in _pairs(low)[0]


# --- Enterprise GraphQL JSON -----------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in GRAPHQL_FILES if n != "null_title.json"])
def test_graphql_counts_match_file(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / "burp_graphql" / name
    issues = json.loads(path.read_text(encoding="utf-8"))["Issues"]
    findings = _findings(path)
    assert len(findings) == len(issues)
    assert len({f.flaw_id for f in findings}) == len({i["issue_type"]["name"] for i in issues})
    assert [f.severity.value.lower() for f in findings] == [i["severity"] for i in issues]
    for issue, finding in zip(issues, findings, strict=True):
        assert finding.asset == urlsplit(issue["origin"]).hostname
        assert finding.location_url == issue["origin"] + issue["path"]
        classifications = issue["issue_type"]["vulnerability_classifications_html"] or ""
        assert finding.cwes == tuple(int(n) for n in CWE_RE.findall(classifications))


def test_graphql_no_findings_is_empty(corpus_dir: Path) -> None:
    assert parse_file(parser, corpus_dir / "burp_graphql" / "no_findings.json") == []


def test_graphql_null_title_is_invalid(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile, match="no issue name") as caught:
        parse_file(parser, corpus_dir / "burp_graphql" / "null_title.json")
    assert caught.value.source == "burp"
    assert "Issues[0]" in caught.value.problem


def test_graphql_spot_checks(corpus_dir: Path) -> None:
    findings = _findings(corpus_dir / "burp_graphql" / "two_findings.json")
    first = findings[0]
    assert first.title == "Finding 1"
    assert first.severity is Severity.HIGH
    assert first.description == "issue description 1"
    assert first.recommendations == "issue remediation 1\n\nremediation 1"
    assert first.references == ("ref 1",)
    assert first.cwes == (79,)
    assert _pairs(first) == [
        "Request:\nrequest data 1/request data 2/request data 3/\n\n"
        "Response:\nresponse data 1/response data 3/response data 4/"
    ]
    assert findings[1].flaw_id == findings[2].flaw_id
    assert len(_pairs(findings[1])) == 2
    nulls = _findings(corpus_dir / "burp_graphql" / "null_data.json")
    assert [(f.title, f.evidence, f.description) for f in nulls] == [("Finding", (), "")]
    tls = _findings(corpus_dir / "burp_graphql" / "null_request_segments.json")[0]
    assert tls.cwes == (295, 326, 327)
    assert tls.severity is Severity.MEDIUM
    assert tls.references == ("https://wiki.mozilla.org/Security/Server_Side_TLS",)


# --- detection and wrong files ------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_FILES)
def test_sniff_accepts_every_burp_file(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / name
    assert parser.sniff(Sniff(path.read_bytes()[:65536], path.name))


@pytest.mark.parametrize(
    "name",
    [
        "nessus/nessus_with_cvssv3.nessus",
        "nessus/nessus_many_vuln.csv",
        "zap/0_zap_sample.xml",
        "zap/ahmedmelenany_zap2.17.0_fullscan-zap.json",
        "burp_suite_dast/many_vulns.html",
    ],
)
def test_sniff_rejects_other_tools(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / name
    assert not parser.sniff(Sniff(path.read_bytes()[:65536], path.name))


def test_sniff_is_exclusive_across_the_corpus(corpus_dir: Path) -> None:
    ours = {"burp", "burp_api", "burp_dastardly", "burp_graphql"}
    for path in sorted(corpus_dir.rglob("*")):
        if path.is_file() and path.suffix in {".xml", ".json", ".nessus", ".csv", ".html"}:
            folder = path.relative_to(corpus_dir).parts[0]
            assert parser.sniff(Sniff(path.read_bytes()[:65536], path.name)) == (folder in ours), path


def test_wrong_xml_names_the_root(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile) as caught:
        parse_file(parser, corpus_dir / "nessus" / "nessus_with_cvssv3.nessus")
    assert caught.value.source == "burp"
    assert "root element is <NessusClientData_v2>, expected <issues>" in str(caught.value)


def test_wrong_json_names_the_keys(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile) as caught:
        parse_file(parser, corpus_dir / "zap" / "ahmedmelenany_zap2.17.0_fullscan-zap.json")
    assert "invalid burp file" in str(caught.value)
    assert caught.value.problem.startswith("JSON top-level keys are @generated, @programName, @version")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "the file is empty"),
        (b"Plugin,Name\n1,x\n", "not XML or JSON"),
        (b"[1, 2]", "JSON array"),
        (
            b'<testsuites name="unit tests"><testsuite><testcase name="t"/></testsuite></testsuites>',
            "not a Burp Dastardly",
        ),
        (b"<issues><issue><name>x</name>", "truncated"),
        (
            b'<!DOCTYPE issues [<!ENTITY x "y">]><issues><issue><name>&x;</name></issue></issues>',
            "declares XML entities",
        ),
    ],
)
def test_invalid_inputs(data: bytes, expected: str) -> None:
    with pytest.raises(InvalidFile, match=re.escape(expected)):
        list(run_parser(parser, io.BytesIO(data)))


def test_sniff_needs_the_burp_version_attribute() -> None:
    assert parser.sniff(Sniff(b'<?xml version="1.0"?><issues burpVersion="2023.1"></issues>'))
    assert not parser.sniff(Sniff(b'<?xml version="1.0"?><issues><issue id="1"/></issues>'))


def test_export_without_issues_is_empty() -> None:
    assert list(run_parser(parser, io.BytesIO(b'<issues burpVersion="2023.1" exportTime="x"/>'))) == []


def test_unencoded_request_is_kept_as_text() -> None:
    data = (
        b"<issues><issue><serialNumber>1</serialNumber><type>5245344</type><name>Frameable response</name>"
        b'<host ip="10.0.0.5">http://10.0.0.5:8080</host><path>/a</path><location>/a</location>'
        b"<severity>False positive</severity><confidence>Firm</confidence>"
        b"<requestresponse><request>GET /a HTTP/1.1\r\nHost: 10.0.0.5</request></requestresponse>"
        b"</issue></issues>"
    )
    records = list(run_parser(parser, io.BytesIO(data)))
    [asset] = assets_of(records)
    assert (asset.name, asset.ips, asset.fqdn) == ("10.0.0.5", ("10.0.0.5",), "")
    [finding] = findings_of(records)
    assert finding.severity is Severity.INFORMATIONAL
    assert ("Burp Severity", "False positive") in finding.fields
    assert finding.port is not None
    assert finding.port.number == "8080"
    assert finding.location_url == "http://10.0.0.5:8080/a"
    assert _pairs(finding) == ["Request:\nGET /a HTTP/1.1\nHost: 10.0.0.5"]


def test_html_parser_does_not_claim_burp_files(corpus_dir: Path) -> None:
    html_parser = BurpHtmlParser()
    for name in ALL_FILES:
        assert not html_parser.sniff(Sniff((corpus_dir / name).read_bytes()[:65536], name))
