"""The OWASP ZAP parser against every ZAP XML and JSON file in the corpus.

Expected counts are derived from each file with a plain ``lxml.etree.parse`` or ``json.load`` in
the test. The files under ``tests/parsers/fixtures/owaspzap/`` are hand-made for scanlift, after
the public format descriptions, for variants with no real sample: the ZAP 1.4 XML layout (instance
fields directly under ``alertitem``), the API list wrapped in ``{"alerts": [...]}``, and a report
whose site attributes come after its alerts.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from scanlift.parsers.base import InvalidFile, ScanFinding, Severity, Sniff
from scanlift.parsers.owaspzap import OwaspZapParser
from tests.parsers.records import assets_of, findings_of, parse_file, run_parser

PARSER = OwaspZapParser()
FIXTURES = Path(__file__).parent / "fixtures" / "owaspzap"

ZAP_XML = [
    "0_zap_sample.xml",
    "0_zap_sample_without_zap3.xml",
    "1_zap_sample_0_and_new_absent.xml",
    "2_zap_sample_0_and_new_endpoint.xml",
    "3_zap_sampl_0_and_different_severities.xml",
    "5_zap_sample_one.xml",
    "dvwa_baseline_dojo.xml",
    "dvwa_baseline_dojo_fabricated_internal_duplicates.xml",
    "dvwa_baseline_dojo_fabricated_internal_duplicates_subset.xml",
    "dvwa_baseline_dojo_subset.xml",
    "empty_2.9.0.xml",
    "juicy2.xml",
    "some_2.9.0.xml",
    "zap-results-first-scan.xml",
    "zap-results-second-scan.xml",
    "zap-xml-plus-format.xml",
    "zap_2.16.1_with_req_resp.xml",
]
ZAP_REPORT_JSON = [
    "ahmedmelenany_zap2.17.0_fullscan-zap.json",
    "heimdall_zap2.7.0_webgoat.json",
    "heimdall_zap2.7.0_zero.webappsecurity.json",
    "sshniro_zap2.8.0_report_json.json",
]
ZAP_API_JSON = ["vsuraj08_zapapi_alerts_zap_report.json"]
ZAP_EXPORT_JSON = ["zvandehy_zap_exportreport_zap-report.json"]
ALL = ZAP_XML + ZAP_REPORT_JSON + ZAP_API_JSON + ZAP_EXPORT_JSON

RISK = {"0": Severity.INFORMATIONAL, "1": Severity.LOW, "2": Severity.MEDIUM, "3": Severity.HIGH}
WORDS = {"Informational": Severity.INFORMATIONAL, "Low": Severity.LOW, "Medium": Severity.MEDIUM, "High": Severity.HIGH}


def _zap(corpus_dir: Path, name: str) -> Path:
    return corpus_dir / "zap" / name


def _cwe_set(values: list[Any]) -> set[int]:
    return {int(v) for v in values if v not in (None, "") and int(v) > 0}


# --- XML -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ZAP_XML)
def test_xml_one_sighting_per_instance(corpus_dir: Path, name: str) -> None:
    path = _zap(corpus_dir, name)
    tree = etree.parse(str(path))  # the test may hold a small file whole; the parser may not
    items = tree.findall(".//alertitem")
    instances = [i for item in items for i in item.findall("instances/instance")]
    records = parse_file(PARSER, path)
    findings = findings_of(records)
    assert len(findings) == sum(max(1, len(item.findall("instances/instance"))) for item in items)
    assert {f.flaw_id for f in findings} == {item.findtext("pluginid") for item in items}
    assert sorted(f.location_url for f in findings) == sorted(i.findtext("uri") or "" for i in instances)
    params = Counter(i.findtext("param") for i in instances if (i.findtext("param") or "").strip())
    assert Counter(p for f in findings for p in f.vulnerable_parameters) == params
    expected_severities = Counter(
        RISK[item.findtext("riskcode") or ""]
        for item in items
        for _ in range(max(1, len(item.findall("instances/instance"))))
    )
    assert Counter(f.severity for f in findings) == expected_severities
    assert {c for f in findings for c in f.cwes} == _cwe_set([item.findtext("cweid") for item in items])
    assert sorted(a.name for a in assets_of(records)) == sorted(s.get("host") or "" for s in tree.findall("site"))
    assert all(f.asset in {s.get("host") for s in tree.findall("site")} for f in findings)


def test_xml_empty_report_has_the_site_and_no_findings(corpus_dir: Path) -> None:
    records = parse_file(PARSER, _zap(corpus_dir, "empty_2.9.0.xml"))
    assert findings_of(records) == []
    [asset] = assets_of(records)
    assert asset.name == "isaac.nl"
    assert [(p.number, p.service) for p in asset.ports] == [("443", "https")]


def test_xml_mapping_of_one_instance(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(PARSER, _zap(corpus_dir, "zap_2.16.1_with_req_resp.xml")))
    auth = next(f for f in findings if f.flaw_id == "10111" and f.vulnerable_parameters == ("user_identifier",))
    assert auth.title == "Authentication Request Identified"
    assert auth.severity is Severity.INFORMATIONAL
    assert auth.asset == "example-domain.com"
    assert auth.port is not None
    assert (auth.port.number, auth.port.protocol, auth.port.service) == ("443", "tcp", "https")
    assert auth.location_url == "https://example-domain.com/cpapi/api/account/verifypasswordless"
    assert auth.description.startswith("The given request has been identified as an authentication request.")
    assert ("Confidence", "Low") in auth.fields
    captions = [e.caption for e in auth.evidence]
    assert "HTTP request" in captions
    assert "HTTP response" in captions
    request = next(e.code for e in auth.evidence if e.caption == "HTTP request")
    assert request.startswith("POST https://example-domain.com/cpapi/api/account/verifypasswordless HTTP/1.1")
    assert '{"user_identifier":"string"' in request
    details = next(e.code for e in auth.evidence if e.caption.startswith("POST "))
    assert "Evidence: passwordless_code" in details


def test_xml_plus_request_and_response_are_evidence(corpus_dir: Path) -> None:
    [finding] = findings_of(parse_file(PARSER, _zap(corpus_dir, "zap-xml-plus-format.xml")))
    assert finding.flaw_id == "90028"
    assert finding.severity is Severity.MEDIUM
    assert finding.cwes == (200,)
    assert ("WASC ID", "45") in finding.fields
    request = next(e.code for e in finding.evidence if e.caption == "HTTP request")
    assert request.startswith("PUT http://localhost:8080/bodgeit/js/qndto7n63d HTTP/1.1")
    assert request.endswith('"J0O0glajHdR0Mgp":"UToh9IpCY5zh3CB"')
    response = next(e.code for e in finding.evidence if e.caption == "HTTP response")
    assert response.startswith("HTTP/1.1 403 Forbidden")
    assert "<title>Apache Tomcat/8.0.37 - Error report</title>" in response
    assert finding.references == ("http://projects.webappsec.org/Fingerprinting",)


def test_xml_html_text_is_converted(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(PARSER, _zap(corpus_dir, "dvwa_baseline_dojo.xml")))
    assert findings
    assert all("<p>" not in f.description for f in findings)
    assert any(f.references for f in findings)
    assert all(r.startswith("http") for f in findings for r in f.references)
    # Before ZAP 2.10 other-info exists only on the alert: it is evidence of every sighting.
    assert any(e.caption == "Other info" and "<p>" not in e.code for f in findings for e in f.evidence)


def test_legacy_xml_without_instances(corpus_dir: Path) -> None:
    records = parse_file(PARSER, FIXTURES / "legacy_1.4_no_instances.xml")
    sqli, header = findings_of(records)
    assert sqli.flaw_id == "40018"
    assert sqli.severity is Severity.HIGH
    assert sqli.location_url == "http://legacy.example.test:8081/item.php?id=1"
    assert sqli.vulnerable_parameters == ("id",)
    assert sqli.cves == ("CVE-2012-0001",)
    assert "Attack: 1' OR '1'='1" in sqli.evidence[0].code
    assert header.location_url == ""
    assert header.asset == "legacy.example.test"
    assert header.cwes == ()  # cweid -1 means none


# --- JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ZAP_REPORT_JSON)
def test_report_json_one_sighting_per_instance(corpus_dir: Path, name: str) -> None:
    path = _zap(corpus_dir, name)
    data = json.loads(path.read_text(encoding="utf-8"))
    alerts = [(site, alert) for site in data["site"] for alert in site["alerts"]]
    records = parse_file(PARSER, path)
    findings = findings_of(records)
    assert len(findings) == sum(max(1, len(alert.get("instances", []))) for _, alert in alerts)
    assert {f.flaw_id for f in findings} == {alert["pluginid"] for _, alert in alerts}
    uris = sorted(i["uri"] for _, alert in alerts for i in alert.get("instances", []))
    assert sorted(f.location_url for f in findings) == uris
    expected = Counter(RISK[a["riskcode"]] for _, a in alerts for _ in range(max(1, len(a.get("instances", [])))))
    assert Counter(f.severity for f in findings) == expected
    assert {c for f in findings for c in f.cwes} == _cwe_set([a.get("cweid") for _, a in alerts])
    assert sorted(a.name for a in assets_of(records)) == sorted(site["@host"] for site in data["site"])
    hosts_by_alert = {(a["pluginid"], site["@host"]) for site, a in alerts}
    assert {(f.flaw_id, f.asset) for f in findings} == hosts_by_alert


def test_report_json_spot_check(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(PARSER, _zap(corpus_dir, "ahmedmelenany_zap2.17.0_fullscan-zap.json")))
    xss = next(f for f in findings if f.flaw_id == "40012")
    assert xss.title == "Cross Site Scripting (Reflected)"
    assert xss.severity is Severity.HIGH
    assert xss.cwes == (79,)
    assert xss.asset == "localhost"
    assert xss.port is not None
    assert (xss.port.number, xss.port.service) == ("5132", "http")
    assert xss.vulnerable_parameters == ("q",)
    assert xss.location_url.startswith("http://localhost:5132/search?q=")
    assert "Attack: </p><scrIpt>alert(1);</scRipt><p>" in xss.evidence[0].code
    assert ("WASC ID", "8") in xss.fields
    assert "https://owasp.org/www-community/attacks/xss/" in xss.references
    # Instance other-info is plain text, kept as written; the alert's HTML copy of it is not repeated.
    dom = next(f for f in findings if f.flaw_id == "40026")
    assert "With <PAYLOAD_1> as: %3Cscript%3Ealert(5397)%3C/script%3E" in dom.evidence[0].code
    assert [e.caption for e in dom.evidence if e.caption == "Other info"] == []
    # alertRef variants of one rule share the plugin id; the variant is kept as a field.
    csp = [f for f in findings if ("ZAP Alert Ref", "10038-1") in f.fields]
    assert csp
    assert {f.flaw_id for f in csp} == {"10038"}


@pytest.mark.parametrize("name", ZAP_API_JSON)
def test_api_json_one_sighting_per_alert_object(corpus_dir: Path, name: str) -> None:
    path = _zap(corpus_dir, name)
    data = json.loads(path.read_text(encoding="utf-8"))
    records = parse_file(PARSER, path)
    findings = findings_of(records)
    assert len(findings) == len(data)
    assert {f.flaw_id for f in findings} == {a["pluginId"] for a in data}
    assert sorted(f.location_url for f in findings) == sorted(a["url"] for a in data)
    assert Counter(f.severity for f in findings) == Counter(WORDS[a["risk"]] for a in data)
    assert {a.name for a in assets_of(records)} == {"backend.auenkumar64.workers.dev"}
    hsts = next(f for f in findings if f.flaw_id == "10035")
    assert hsts.severity is Severity.LOW
    assert hsts.cwes == (319,)
    assert "CWE-319" in hsts.tags
    assert "https://datatracker.ietf.org/doc/html/rfc6797" in hsts.references
    assert ("Confidence", "High") in hsts.fields


@pytest.mark.parametrize("name", ZAP_EXPORT_JSON)
def test_export_json_items_as_object_or_list(corpus_dir: Path, name: str) -> None:
    path = _zap(corpus_dir, name)
    site = json.loads(path.read_text(encoding="utf-8"))["Report"]["Sites"]
    alerts = site["Alerts"]["AlertItem"]
    items = [i for a in alerts for i in (a["Item"] if isinstance(a["Item"], list) else [a["Item"]])]
    records = parse_file(PARSER, path)
    findings = findings_of(records)
    assert len(findings) == len(items)
    assert {f.flaw_id for f in findings} == {str(a["PluginID"]) for a in alerts}
    xss = next(f for f in findings if f.flaw_id == "40012")
    assert xss.severity is Severity.HIGH
    assert xss.location_url == "http://localhost:5050/search"
    assert xss.vulnerable_parameters == ("search",)
    assert xss.evidence[0].caption == "POST http://localhost:5050/search"
    assert ("Confidence", "Low") in xss.fields
    assert xss.port is not None
    assert (xss.port.number, xss.port.service) == ("5050", "http")  # SSL comes after Alerts in the file
    [asset] = assets_of(records)
    assert asset.name == "localhost"


def test_api_alerts_wrapped_in_an_object() -> None:
    records = parse_file(PARSER, FIXTURES / "api_alerts_object.json")
    [finding] = findings_of(records)
    assert finding.flaw_id == "40012"
    assert finding.severity is Severity.HIGH
    assert finding.port is not None
    assert (finding.asset, finding.port.number, finding.port.service) == ("app.example.test", "8443", "https")
    assert ("Confidence", "False Positive") in finding.fields
    assert "Input vector: form-query" in finding.evidence[0].code


def test_site_attributes_after_alerts_are_still_used() -> None:
    [finding] = findings_of(parse_file(PARSER, FIXTURES / "report_site_attributes_last.json"))
    assert finding.asset == "late.example.test"
    assert finding.port is not None
    assert (finding.port.number, finding.port.service) == ("443", "https")
    assert ("Confidence", "False Positive") in finding.fields  # confidence 0 is flagged, not dropped
    assert ("ZAP Alert Ref", "10038-1") in finding.fields


# --- across files ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_every_cve_in_the_file_is_kept(corpus_dir: Path, name: str) -> None:
    path = _zap(corpus_dir, name)
    in_file = {c.upper() for c in re.findall(r"CVE-\d{4}-\d{4,}", path.read_text(errors="replace"), re.I)}
    assert in_file <= {c for f in findings_of(parse_file(PARSER, path)) for c in f.cves}


@pytest.mark.parametrize("name", ALL)
def test_sniff_accepts_every_zap_file(corpus_dir: Path, name: str) -> None:
    path = _zap(corpus_dir, name)
    assert PARSER.sniff(Sniff(path.read_bytes()[:65536], path.name))


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.iterdir()))
def test_sniff_accepts_the_hand_made_fixtures(name: str) -> None:
    assert PARSER.sniff(Sniff((FIXTURES / name).read_bytes()))


@pytest.mark.parametrize(
    "relative",
    [
        "nessus/nessus_v_unknown.xml",
        "burp/one_finding.xml",
        "burp_api/example.json",
        "acunetix/many_findings.xml",
        "acunetix/acunetix360_one_finding.json",
        "invicti/invicti_one_finding.json",
        "netsparker/dradis_testsparker.xml",
        "checkmarx_one/checkmarx_one.json",
        "nessus/nessus_new.csv",
    ],
)
def test_sniff_rejects_other_tools(corpus_dir: Path, relative: str) -> None:
    path = corpus_dir / relative
    assert not PARSER.sniff(Sniff(path.read_bytes()[:65536], path.name))


def test_wrong_xml_names_what_was_found(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile, match=r"invalid owaspzap file: root element is <NessusClientData_v2>"):
        parse_file(PARSER, corpus_dir / "nessus" / "nessus_v_unknown.xml")


def test_wrong_json_names_the_top_level_keys(corpus_dir: Path) -> None:
    with pytest.raises(
        InvalidFile, match=r"invalid owaspzap file: top-level keys are Generated, Target, Vulnerabilities"
    ):
        parse_file(PARSER, corpus_dir / "invicti" / "invicti_one_finding.json")


def test_an_array_of_other_objects_is_refused() -> None:
    with pytest.raises(InvalidFile, match=r"item 1 is not a ZAP API alert \(keys: id, name\)"):
        list(run_parser(PARSER, io.BytesIO(b'[{"id": 1, "name": "x"}]')))


def test_truncated_json_is_invalid(corpus_dir: Path) -> None:
    data = _zap(corpus_dir, "sshniro_zap2.8.0_report_json.json").read_bytes()[:5000]
    with pytest.raises(InvalidFile, match=r"invalid owaspzap file: truncated or malformed JSON"):
        list(run_parser(PARSER, io.BytesIO(data)))


def test_neither_xml_nor_json(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile, match=r"invalid owaspzap file: neither XML nor JSON"):
        parse_file(PARSER, corpus_dir / "nessus" / "nessus_new.csv")
    with pytest.raises(InvalidFile, match=r"the file is empty"):
        list(run_parser(PARSER, io.BytesIO(b"")))


def test_findings_are_scan_findings_with_stable_ids(corpus_dir: Path) -> None:
    first = findings_of(parse_file(PARSER, _zap(corpus_dir, "zap-results-first-scan.xml")))
    second = findings_of(parse_file(PARSER, _zap(corpus_dir, "zap-results-second-scan.xml")))
    assert all(isinstance(f, ScanFinding) for f in first + second)
    common = {f.flaw_id for f in first} & {f.flaw_id for f in second}
    assert common
    titles_first = {f.flaw_id: f.title for f in first}
    assert all(titles_first[f.flaw_id] == f.title for f in second if f.flaw_id in common)
