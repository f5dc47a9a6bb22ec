"""BurpHtmlParser (source "burphtml").

Real samples: ``burp_suite_dast/`` holds two Burp Suite Enterprise "Scan Remediation Report"
layouts (2022 and 2024). The Burp Suite Professional "Burp Scanner Report" layout has no real
sample: ``fixtures/burphtml/pro_scanner_report.html`` is HAND-MADE, written from the public
layout of that report (BODH0/BODH1 headings, summary_table, rr_div blocks), with invented values.
Expected counts are derived from each file independently with a full ``lxml.html`` parse.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import lxml.html
import pytest

from scanlift.parsers.base import InvalidFile, ScanFinding, Severity, Sniff
from scanlift.parsers.burp import BurpParser
from scanlift.parsers.burphtml import BurpHtmlParser
from tests.parsers.records import CountingReader, assets_of, findings_of, parse_file, run_parser

ENTERPRISE_FILES = ["many_vulns.html", "many_vulns_updated_format.html"]
PRO_FIXTURE = Path(__file__).parent / "fixtures" / "burphtml" / "pro_scanner_report.html"
CWE_RE = re.compile(r"CWE-(\d+)")
CVE_RE = re.compile(r"CVE-\d{4}-\d{4,}", re.IGNORECASE)
LEVELS = {"Info": "Informational", "Information": "Informational"}

parser = BurpHtmlParser()


def _words(text: str) -> str:
    return " ".join(text.split())


def _pairs(finding: ScanFinding) -> list[str]:
    return [e.code for e in finding.evidence if e.caption.startswith("Request/response")]


def _containers(path: Path) -> list[lxml.html.HtmlElement]:
    return list(lxml.html.parse(str(path)).getroot().find_class("issue-container"))


# --- Enterprise layouts -----------------------------------------------------------------


@pytest.mark.parametrize("name", ENTERPRISE_FILES)
def test_enterprise_counts_match_file(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / "burp_suite_dast" / name
    document = lxml.html.parse(str(path)).getroot()
    containers = _containers(path)
    findings = findings_of(parse_file(parser, path))
    assert len(findings) == len(containers)
    titles = [_words(c.find(".//h2").text_content()) for c in containers]
    assert [f.title for f in findings] == titles
    assert len({f.flaw_id for f in findings}) == len(set(titles))
    rows = [td.getparent() for td in document.find_class("issue-path")]
    assert len(rows) == len(findings)
    severity_of = {
        row.findall("td")[3].find("a").get("href").lstrip("#"): _words(row.findall("td")[1].text_content())
        for row in rows
    }
    for container, finding in zip(containers, findings, strict=True):
        anchor = container.find(".//a[@name]").get("name")
        label = severity_of[anchor]
        assert finding.severity.value == LEVELS.get(label, label)
        text = container.text_content()
        classifications = (
            text.split("Vulnerability classifications", 1)[-1] if "Vulnerability classifications" in text else ""
        )
        assert set(finding.cwes) == {int(n) for n in CWE_RE.findall(classifications)}
        requests = [h for h in container.iter("h3") if _words(h.text_content()).startswith("Request")]
        assert len(_pairs(finding)) == len(requests)
    # The report's own "Issues by severity" table agrees.
    totals = {
        _words(row.findall("td")[0].text_content()).rstrip(":"): int(row.findall("td")[1].text_content())
        for row in document.find_class("info-table")[0].iter("tr")
    }
    counts = Counter(f.severity.value for f in findings)
    assert counts["High"] == totals["High"]
    assert counts["Low"] == totals["Low"]
    assert counts["Informational"] == totals["Information"]
    assert len(findings) == totals["Total issues found"]
    assert {c for f in findings for c in f.cves} == {m.upper() for m in CVE_RE.findall(path.read_text())}


def test_enterprise_2022_spot_checks(corpus_dir: Path) -> None:
    records = parse_file(parser, corpus_dir / "burp_suite_dast" / "many_vulns.html")
    [asset] = assets_of(records)
    assert asset.name == "example.com"
    assert [(p.number, p.service) for p in asset.ports] == [("443", "https")]
    findings = findings_of(records)
    cors = findings[0]
    assert cors.title == "Cross-origin resource sharing: arbitrary origin trusted"
    assert cors.severity is Severity.HIGH
    assert ("Confidence", "Certain") in cors.fields
    assert cors.asset == "example.com"
    assert cors.location_url == "https://example.com/redacted"
    assert cors.cwes == (942,)
    assert cors.references == (
        "https://portswigger.net/web-security/cors",
        "https://portswigger.net/research/exploiting-cors-misconfigurations-for-bitcoins-and-bounties",
    )
    assert cors.description.startswith("An HTML5 cross-origin resource sharing (CORS) policy controls")
    assert cors.recommendations.startswith("Rather than using a wildcard")
    assert cors.evidence[0].caption == "Issue detail (Burp serial 6932387617674187776)"
    assert "https://llqvfwgbsdau.com" in cors.evidence[0].code
    [pair] = _pairs(cors)
    assert pair.startswith("Request:\nPOST /redacted HTTP/2\nHost: https://example.com\n")
    assert "\nOrigin: https://llqvfwgbsdau.com\n" in pair
    assert "Response:\nHTTP/2 200 OK\n" in pair
    waf = next(f for f in findings if f.title == "WAF Detected: redacted")
    assert ("Issue Origin", "This issue was generated by the extension: WAFDetect") in waf.fields
    agent = next(f for f in findings if f.title == "User agent-dependent response")
    assert agent.description.startswith("Application responses may depend systematically")
    assert len(_pairs(agent)) == 2


def test_enterprise_2024_spot_checks(corpus_dir: Path) -> None:
    records = parse_file(parser, corpus_dir / "burp_suite_dast" / "many_vulns_updated_format.html")
    assets = assets_of(records)
    assert {(a.name, a.ports[0].number) for a in assets} == {
        ("instance.example.com", "443"),
        ("instance.example.com", "80"),
    }
    findings = findings_of(records)
    hsts = findings[0]
    assert hsts.title == "Strict transport security not enforced"
    assert hsts.severity is Severity.LOW
    assert hsts.location_url == "https://instance.example.com/fe/m3/m-login"
    assert hsts.description.startswith("The application fails to prevent users from connecting to it over unencrypted")
    assert "\n " not in hsts.description  # the pretty-printer's indentation is gone
    assert hsts.fields[-1] == (
        "Vulnerability Classifications",
        "CWE-523: Unprotected Transport of Credentials\n"
        "CAPEC-94: Man in the Middle Attack\n"
        "CAPEC-157: Sniffing Attacks",
    )
    [pair] = _pairs(hsts)
    assert pair.startswith("Request:\nGET /fe/m3/m-login HTTP/2\nHost: instance.example.com\n")
    assert '\n<meta charset="utf-8" />\n' in pair  # escaped markup decoded, indentation removed
    assert pair.endswith("[Snip]")
    dom = next(f for f in findings if f.title == "DOM data manipulation (DOM-based)")
    analysis = next(e for e in dom.evidence if e.caption == "Dynamic analysis")
    assert "Data is read from location.pathname and passed to history.replaceState." in analysis.code
    assert "\nat createCurrentLocation (https://instance.example.com/fe/js/cv-script.js:218038:13)\n" in analysis.code
    http = [f for f in findings if f.port is not None and f.port.number == "80"]
    assert http
    assert all(f.location_url.startswith("http://instance.example.com/") for f in http)


@pytest.mark.parametrize("name", ENTERPRISE_FILES)
def test_yields_before_reading_the_whole_file(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / "burp_suite_dast" / name
    with path.open("rb") as raw:
        counting = CountingReader(raw)
        assert next(iter(run_parser(parser, counting))) is not None
        assert counting.consumed < path.stat().st_size


# --- Professional layout (hand-made fixture) ------------------------------------------------


def test_pro_counts_match_fixture() -> None:
    document = lxml.html.parse(str(PRO_FIXTURE)).getroot()
    summaries = document.find_class("summary_table")
    findings = findings_of(parse_file(parser, PRO_FIXTURE))
    assert len(findings) == len(summaries) == 4
    severities = [_words(table.findall(".//tr")[0].findall("td")[2].text_content()) for table in summaries]
    assert [f.severity.value for f in findings] == [LEVELS.get(s, s) for s in severities]
    type_links = [a.get("href") for span in document.find_class("BODH0") for a in span.iter("a")]
    type_ids = {str(int(re.search(r"details/([0-9a-f]{8})_", h).group(1), 16)) for h in type_links}
    assert type_ids == {"2097920", "16777472"}
    assert {f.flaw_id for f in findings} >= type_ids
    assert len({f.flaw_id for f in findings}) == len(document.find_class("BODH0"))
    assert {c for f in findings for c in f.cves} == {m.upper() for m in CVE_RE.findall(PRO_FIXTURE.read_text())}


def test_pro_spot_checks() -> None:
    records = parse_file(parser, PRO_FIXTURE)
    assert {(a.name, a.ports[0].number) for a in assets_of(records)} == {
        ("shop.example.test", "443"),
        ("shop.example.test", "8080"),
    }
    xss, header_xss, vulners, tls = findings_of(records)
    assert xss.flaw_id == "2097920"
    assert xss.title == "Cross-site scripting (reflected)"
    assert xss.severity is Severity.HIGH
    assert xss.location_url == "https://shop.example.test/search.php"
    assert xss.vulnerable_parameters == ("q parameter",)
    assert header_xss.vulnerable_parameters == ("User-Agent HTTP header",)
    assert xss.cwes == (79, 116)
    assert xss.description.startswith("Reflected cross-site scripting vulnerabilities arise")
    assert (
        xss.recommendations
        == "User input should be HTML-encoded at any point where it is copied into application responses."
    )
    assert xss.references[0] == "https://portswigger.net/web-security/cross-site-scripting"
    assert "abc12<script>alert(1)</script>def34 was submitted in the q parameter" in xss.evidence[0].code
    first, second = _pairs(xss)
    assert first.startswith("Request:\nGET /search.php?q=abc12%3cscript%3ealert(1)%3c%2fscript%3edef34 HTTP/1.1\n")
    assert "\n<html><body>Results for abc12<script>alert(1)</script>def34\n...[SNIP]..." in first
    assert second.endswith("Results for café")
    assert vulners.flaw_id not in {"2097920", "16777472"}
    assert vulners.severity is Severity.MEDIUM
    assert vulners.cves == ("CVE-2018-19396", "CVE-2018-19395")
    assert vulners.location_url == "http://shop.example.test:8080/"
    assert tls.flaw_id == "16777472"
    assert tls.severity is Severity.INFORMATIONAL
    assert tls.description.startswith("TLS (or SSL) helps to protect")  # background after the detail
    assert "Issued by: Example CA" in tls.evidence[0].code
    assert tls.cwes == (295, 326)


def test_declared_charset_is_honoured() -> None:
    markup = PRO_FIXTURE.read_text(encoding="utf-8").replace("<title>", '<meta charset="windows-1252"><title>', 1)
    findings = findings_of(list(run_parser(parser, io.BytesIO(markup.encode("cp1252")))))
    assert _pairs(findings[0])[1].endswith("Results for café")


# --- detection and wrong files ------------------------------------------------------------


@pytest.mark.parametrize("name", ENTERPRISE_FILES)
def test_sniff_accepts_burp_html(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / "burp_suite_dast" / name
    assert parser.sniff(Sniff(path.read_bytes()[:65536], name))
    assert not BurpParser().sniff(Sniff(path.read_bytes()[:65536], name))


def test_sniff_accepts_pro_fixture() -> None:
    assert parser.sniff(Sniff(PRO_FIXTURE.read_bytes()[:65536], PRO_FIXTURE.name))


@pytest.mark.parametrize(
    "name",
    [
        "nessus/nessus_with_cvssv3.nessus",
        "burp/issue4399.xml",
        "burp_dastardly/many_findings.xml",
        "burp_api/example.json",
        "zap/0_zap_sample.xml",
        "nessus/nessus_many_vuln.csv",
    ],
)
def test_sniff_rejects_other_files(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / name
    assert not parser.sniff(Sniff(path.read_bytes()[:65536], path.name))


def test_sniff_is_exclusive_across_the_corpus(corpus_dir: Path) -> None:
    for path in sorted(corpus_dir.rglob("*")):
        if path.is_file() and path.suffix in {".xml", ".json", ".nessus", ".csv", ".html"}:
            expected = path.relative_to(corpus_dir).parts[0] == "burp_suite_dast"
            assert parser.sniff(Sniff(path.read_bytes()[:65536], path.name)) == expected, path


def test_burp_xml_is_invalid_here(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile) as caught:
        parse_file(parser, corpus_dir / "burp" / "one_finding.xml")
    assert caught.value.source == "burphtml"
    assert "invalid burphtml file: XML with root element <issues>" in str(caught.value)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "the file is empty"),
        (b"<html><head><title>ZAP Scanning Report</title></head><body></body></html>", "titled 'ZAP Scanning Report'"),
        (b'{"Issues": []}', "JSON"),
        (b"Plugin,Name\n1,x\n", "no Burp Suite HTML report markers"),
    ],
)
def test_invalid_inputs(data: bytes, expected: str) -> None:
    with pytest.raises(InvalidFile, match=re.escape(expected)):
        list(run_parser(parser, io.BytesIO(data)))


def test_report_without_issues_is_empty() -> None:
    markup = b"<html><head><title>Burp Scanner Report</title></head><body><div id='container'></div></body></html>"
    assert list(run_parser(parser, io.BytesIO(markup))) == []
