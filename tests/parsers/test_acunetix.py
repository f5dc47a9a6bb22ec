"""The Acunetix parser against every Acunetix XML and Acunetix 360 JSON file in the corpus.

Expected counts come from each file through a plain ``lxml.etree.parse`` or ``json.loads`` in
the test. No hand-made fixtures: every variant has a corpus sample (the Acunetix 360 JSON
samples are DefectDojo's, i.e. Netsparker JSON with the vendor text rewritten).
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

from scanlift.parsers._lib.ids import title_flaw_id
from scanlift.parsers.acunetix import AcunetixParser
from scanlift.parsers.base import InvalidFile, Severity, Sniff
from tests.parsers.records import assets_of, findings_of, parse_file, peak_parse_memory, run_parser, sniffs

PARSER = AcunetixParser()

ACUNETIX_XML = [
    "XML_http_example_co_id_.xml",
    "XML_http_example_co_id_port_num.xml",
    "many_findings.xml",
    "many_findings_with_port_number.xml",
    "one_finding.xml",
    "one_finding_with_port_num.xml",
    "watson_test_unique.xml",
]
ACUNETIX_360_JSON = [
    "acunetix360_many_findings.json",
    "acunetix360_many_findings_large_constructed.json",
    "acunetix360_multiple_cwe.json",
    "acunetix360_one_finding.json",
    "acunetix360_one_finding_accepted_risk.json",
    "acunetix360_one_finding_false_positive.json",
    "acunetix360_zero_finding.json",
    "issue_10370.json",
    "issue_10435.json",
    "issue_11206.json",
]
ALL = ACUNETIX_XML + ACUNETIX_360_JSON

LEVELS = {
    "critical": Severity.CRITICAL,
    "high": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "low": Severity.LOW,
    "info": Severity.INFORMATIONAL,
    "informational": Severity.INFORMATIONAL,
}


def _path(corpus_dir: Path, name: str) -> Path:
    return corpus_dir / "acunetix" / name


def _json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8-sig"))
    return data


# --- XML -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ACUNETIX_XML)
def test_xml_one_sighting_per_report_item(corpus_dir: Path, name: str) -> None:
    path = _path(corpus_dir, name)
    tree = etree.parse(str(path))  # the test may hold a small file whole; the parser may not
    items = tree.findall(".//ReportItem")
    records = parse_file(PARSER, path)
    findings = findings_of(records)
    assert len(findings) == len(items)
    names = {(i.findtext("Name") or "").strip() for i in items}
    assert {f.title for f in findings} == names
    assert {f.flaw_id for f in findings} == {title_flaw_id(n) for n in names}
    assert Counter(f.severity for f in findings) == Counter(
        LEVELS[(i.findtext("Severity") or "").strip()] for i in items
    )
    assert {c for f in findings for c in f.cwes} == {int(c.get("id") or 0) for c in tree.iter("CWE")}
    start_url = tree.findtext(".//Scan/StartURL") or ""
    host = re.sub(r"^\w+://", "", start_url).split("/")[0].split(":")[0]
    assert [a.name for a in assets_of(records)] == [host]
    assert {f.asset for f in findings} == {host}
    assert sorted(f.location_url.split(host, 1)[1].lstrip(":0123456789") or "/" for f in findings) == sorted(
        (i.findtext("Affects") or "").strip() for i in items
    )


@pytest.mark.parametrize(
    ("name", "port"),
    [
        ("XML_http_example_co_id_.xml", "80"),
        ("XML_http_example_co_id_port_num.xml", "9000"),
        ("many_findings.xml", "80"),
        ("many_findings_with_port_number.xml", "8080"),
        ("one_finding.xml", "443"),
    ],
)
def test_xml_port_comes_from_start_url(corpus_dir: Path, name: str, port: str) -> None:
    records = parse_file(PARSER, _path(corpus_dir, name))
    assert {f.port.number for f in findings_of(records) if f.port} == {port}
    [asset] = assets_of(records)
    assert [p.number for p in asset.ports] == [port]


def test_xml_mapping_of_one_item(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(PARSER, _path(corpus_dir, "many_findings_with_port_number.xml")))
    dos = next(f for f in findings if f.title == "Slow HTTP Denial of Service Attack")
    assert dos.severity is Severity.MEDIUM
    assert dos.asset == "www.itsecgames.com"
    assert dos.location_url == "http://www.itsecgames.com:8080/"
    assert dos.description.startswith("Your web server is vulnerable to Slow HTTP DoS (Denial of Service) attacks.")
    assert "Impact:\nA single machine can take down another machine's web server" in dos.description
    assert dos.recommendations.startswith("Consult Web references")
    assert dos.references == (
        "https://www.funtoo.org/Slowloris_DOS_Mitigation_Guide",
        "https://web.archive.org/web/20180329210925/http://blog.secaserver.com/2011/08/protect-apache-slowloris-attack/",
    )
    kinds = {s.kind: (s.vector, s.score) for s in dos.scores}
    assert kinds == {
        "CVSS2": ("AV:N/AC:L/Au:N/C:N/I:N/A:P", "5.0"),
        "CVSS3": ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L", "5.3"),
    }
    assert ("Acunetix Module", "slow-loris") in dos.fields
    assert ("Acunetix Type", "denialofservice") in dos.fields
    assert dos.evidence[0].caption == "Details"
    assert "Time difference between connections: 10000 ms" in dos.evidence[0].code


def test_xml_request_and_cve_from_details(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(PARSER, _path(corpus_dir, "XML_http_example_co_id_port_num.xml")))
    library = next(f for f in findings if f.title == "Vulnerable Javascript library")
    assert library.cves == ("CVE-2010-4207",)
    assert library.location_url == "http://example.co.id:9000/yui/2.7.0/yahoo-dom-event/yahoo-dom-event.js"
    request = next(e.code for e in library.evidence if e.caption == "HTTP request")
    assert request.startswith("GET /yui/2.7.0/yahoo-dom-event/yahoo-dom-event.js HTTP/1.1")
    csrf = [f for f in findings if f.title == "HTML form without CSRF protection"]
    assert len(csrf) == 3
    assert len({f.flaw_id for f in csrf}) == 1
    assert all(f.vulnerable_parameters == () for f in csrf)  # Acunetix's "<empty>" is no parameter name


# --- Acunetix 360 JSON -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ACUNETIX_360_JSON)
def test_json_one_sighting_per_vulnerability(corpus_dir: Path, name: str) -> None:
    path = _path(corpus_dir, name)
    vulnerabilities = _json(path)["Vulnerabilities"]
    records = parse_file(PARSER, path)
    findings = findings_of(records)
    assert len(findings) == len(vulnerabilities)
    assert {f.flaw_id for f in findings} == {v["Type"] for v in vulnerabilities}
    assert sorted(f.location_url for f in findings) == sorted(v["Url"] for v in vulnerabilities)
    assert Counter(f.severity for f in findings) == Counter(LEVELS[v["Severity"].lower()] for v in vulnerabilities)
    cwes = {int(c) for v in vulnerabilities for c in re.findall(r"\d+", (v["Classification"] or {}).get("Cwe") or "")}
    assert {c for f in findings for c in f.cwes} == cwes
    hosts = {re.sub(r"^\w+://", "", v["Url"]).split("/")[0].split(":")[0].lower() for v in vulnerabilities}
    assert {a.name for a in assets_of(records)} == hosts


def test_large_constructed_file_counts(corpus_dir: Path) -> None:
    path = _path(corpus_dir, "acunetix360_many_findings_large_constructed.json")
    findings = findings_of(parse_file(PARSER, path))
    assert len(findings) == 1350
    assert len({f.flaw_id for f in findings}) == 1050
    assert len({f.title for f in findings}) == 1050


def _peak_while_parsing(path: Path) -> int:
    count, peak = peak_parse_memory(PARSER, path)
    assert count > 0
    return peak


def test_large_file_is_streamed(corpus_dir: Path, tmp_path: Path) -> None:
    """Memory does not grow with the file: a file four times as long peaks at about the same."""
    path = _path(corpus_dir, "acunetix360_many_findings_large_constructed.json")
    data = _json(path)
    data["Vulnerabilities"] = data["Vulnerabilities"] * 4
    bigger = tmp_path / "four_times.json"
    bigger.write_text(json.dumps(data), encoding="utf-8")
    _peak_while_parsing(path)  # warm-up: lazy imports and caches
    small, large = _peak_while_parsing(path), _peak_while_parsing(bigger)
    assert bigger.stat().st_size > 3 * path.stat().st_size
    assert large < small + 512 * 1024
    assert large < bigger.stat().st_size / 4


def test_json_mapping_of_one_vulnerability(corpus_dir: Path) -> None:
    [finding] = findings_of(parse_file(PARSER, _path(corpus_dir, "acunetix360_one_finding.json")))
    assert finding.flaw_id == "CookieNotMarkedAsHttpOnly"
    assert finding.title == "Cookie Not Marked as HttpOnly"
    assert finding.severity is Severity.MEDIUM
    assert finding.asset == "php.testsparker.com"
    assert finding.port is not None
    assert (finding.port.number, finding.port.service) == ("80", "http")
    assert finding.location_url == "http://php.testsparker.com/auth/login.php"
    assert finding.description.startswith("Acunetix360 identified a cookie not marked as HTTPOnly.")
    assert "Impact:\nDuring a cross-site scripting attack" in finding.description
    assert finding.recommendations.startswith("Mark the cookie as HTTPOnly.")
    assert finding.cwes == (16,)
    assert [(s.kind, s.score) for s in finding.scores] == [("CVSS3", "5.7")]
    assert ("CAPEC", "107") in finding.fields
    assert any(r.startswith("https://www.acunetix.com/") for r in finding.references)
    extra = next(e.code for e in finding.evidence if e.caption == "Extra information")
    assert "Identified Cookie(s): PHPSESSID" in extra
    request = next(e.code for e in finding.evidence if e.caption == "HTTP request")
    assert request.startswith("GET /auth/login.php HTTP/1.1\r\nHost: php.testsparker.com\r\n")
    assert any(e.caption == "HTTP response (200)" for e in finding.evidence)


def test_json_all_cwes(corpus_dir: Path) -> None:
    [finding] = findings_of(parse_file(PARSER, _path(corpus_dir, "acunetix360_multiple_cwe.json")))
    assert finding.cwes == (16, 200)


@pytest.mark.parametrize(
    ("name", "state"),
    [
        ("acunetix360_one_finding_accepted_risk.json", "Present, AcceptedRisk"),
        ("acunetix360_one_finding_false_positive.json", "Present, FalsePositive"),
    ],
)
def test_json_state_is_kept(corpus_dir: Path, name: str, state: str) -> None:
    [finding] = findings_of(parse_file(PARSER, _path(corpus_dir, name)))
    details = next(e.code for e in finding.evidence if e.caption == "Issue details")
    assert f"State: {state}" in details


def test_json_empty_report(corpus_dir: Path) -> None:
    assert parse_file(PARSER, _path(corpus_dir, "acunetix360_zero_finding.json")) == []


# --- across files ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_every_cve_in_the_file_is_kept(corpus_dir: Path, name: str) -> None:
    path = _path(corpus_dir, name)
    in_file = {c.upper() for c in re.findall(r"CVE-\d{4}-\d{4,}", path.read_text(errors="replace"), re.I)}
    assert in_file <= {c for f in findings_of(parse_file(PARSER, path)) for c in f.cves}


@pytest.mark.parametrize("name", ALL)
def test_sniff_accepts_every_acunetix_file(corpus_dir: Path, name: str) -> None:
    path = _path(corpus_dir, name)
    assert sniffs(PARSER, path)


@pytest.mark.parametrize(
    "relative",
    [
        "nessus/nessus_v_unknown.xml",
        "burp/one_finding.xml",
        "zap/juicy2.xml",
        "zap/heimdall_zap2.7.0_webgoat.json",
        "invicti/invicti_one_finding.json",  # same schema, but marked as Netsparker's
        "netsparker/issue_11020.json",  # marked as Invicti's
        "invicti/heimdall_sample-netsparker-invicti.xml",
        "checkmarx_one/checkmarx_one.json",
        "nessus/nessus_new.csv",
    ],
)
def test_sniff_rejects_other_tools(corpus_dir: Path, relative: str) -> None:
    path = corpus_dir / relative
    assert not sniffs(PARSER, path)


def test_sniff_claims_an_unmarked_empty_export(corpus_dir: Path) -> None:
    """An empty export has no vendor mark: Acunetix and Invicti both claim it (documented ambiguity)."""
    path = corpus_dir / "invicti" / "invicti_zero_finding.json"
    assert PARSER.sniff(Sniff(path.read_bytes()))


def test_wrong_xml_names_what_was_found(corpus_dir: Path) -> None:
    with pytest.raises(
        InvalidFile, match=r"invalid acunetix file: root element is <NessusClientData_v2>, expected <ScanGroup>"
    ):
        parse_file(PARSER, corpus_dir / "nessus" / "nessus_v_unknown.xml")


def test_wrong_json_names_the_top_level_keys(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile, match=r"invalid acunetix file: top-level keys are @generated, @version, site"):
        parse_file(PARSER, corpus_dir / "zap" / "heimdall_zap2.7.0_webgoat.json")


def test_json_entry_without_name_or_type_is_invalid() -> None:
    data = b'{"Generated": "x", "Target": {}, "Vulnerabilities": [{"Url": "http://a.test/"}]}'
    with pytest.raises(InvalidFile, match=r"vulnerability 1 has neither a Name nor a Type"):
        list(run_parser(PARSER, io.BytesIO(data)))


def test_bom_is_accepted(corpus_dir: Path) -> None:
    data = b"\xef\xbb\xbf" + _path(corpus_dir, "acunetix360_one_finding.json").read_bytes()
    assert PARSER.sniff(Sniff(data))
    assert len(findings_of(list(run_parser(PARSER, io.BytesIO(data))))) == 1
