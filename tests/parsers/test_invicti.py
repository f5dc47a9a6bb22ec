"""The Invicti (Netsparker) parser against every Invicti and Netsparker file in the corpus.

Expected counts come from each file through a plain ``lxml.etree.parse`` or ``json.loads`` in
the test. The two files under ``tests/parsers/fixtures/invicti/`` are hand-made for scanlift,
after the public layout descriptions: a ``<netsparker-cloud>`` export with request parameters,
tags and twice-encoded extra information, and a *well-formed* file in the 2016 Netsparker
desktop layout (BOM, no ``<title>``, ``confirmed`` attribute, HTML as child elements), because
the real 2016 sample is not well-formed XML.
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

from scanlift.parsers.base import InvalidFile, Severity, Sniff
from scanlift.parsers.invicti import InvictiParser
from tests.parsers.records import assets_of, findings_of, parse_file, run_parser, sniffs

PARSER = InvictiParser()
FIXTURES = Path(__file__).parent / "fixtures" / "invicti"

JSON_FILES = [
    "invicti/invicti_many_findings.json",
    "invicti/invicti_one_finding.json",
    "invicti/invicti_zero_finding.json",
    "invicti/issue_10311.json",
    "invicti/issue_9816.json",
    "netsparker/issue_10311.json",
    "netsparker/issue_11020.json",
    "netsparker/issue_9816.json",
    "netsparker/netsparker_many_findings.json",
    "netsparker/netsparker_one_finding.json",
    "netsparker/netsparker_zero_finding.json",
]
XML_FILES = ["invicti/heimdall_sample-netsparker-invicti.xml", "netsparker/dradis_testsparker.xml"]
BROKEN_XML = "netsparker/dradis_example.xml"
ALL = JSON_FILES + XML_FILES
FIXTURE_FILES = ["netsparker_cloud_minimal.xml", "netsparker_2016_wellformed.xml"]

LEVELS = {
    "critical": Severity.CRITICAL,
    "high": Severity.HIGH,
    "important": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "low": Severity.LOW,
    "information": Severity.INFORMATIONAL,
    "bestpractice": Severity.INFORMATIONAL,
}


def _json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8-sig"))
    return data


def _host(url: str) -> str:
    return re.sub(r"^\w+://", "", url).split("/")[0].split(":")[0].lower()


# --- JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize("relative", JSON_FILES)
def test_json_one_sighting_per_vulnerability(corpus_dir: Path, relative: str) -> None:
    path = corpus_dir / relative
    vulnerabilities = _json(path)["Vulnerabilities"]
    records = parse_file(PARSER, path)
    findings = findings_of(records)
    assert len(findings) == len(vulnerabilities)
    assert {f.flaw_id for f in findings} == {v["Type"] for v in vulnerabilities}
    assert sorted(f.location_url for f in findings) == sorted(v["Url"] for v in vulnerabilities)
    assert Counter(f.severity for f in findings) == Counter(LEVELS[v["Severity"].lower()] for v in vulnerabilities)
    cwes = {int(c) for v in vulnerabilities for c in re.findall(r"\d+", (v["Classification"] or {}).get("Cwe") or "")}
    assert {c for f in findings for c in f.cwes} == cwes
    assert {a.name for a in assets_of(records)} == {_host(v["Url"]) for v in vulnerabilities}
    vulnerable = Counter(
        p["Name"] for v in vulnerabilities for p in v["HttpRequest"].get("Parameters") or [] if p.get("Vulnerable")
    )
    assert Counter(p for f in findings for p in f.vulnerable_parameters) == vulnerable


def test_json_mapping_of_one_vulnerability(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(PARSER, corpus_dir / "invicti" / "invicti_many_findings.json"))
    sqli = next(f for f in findings if f.flaw_id == "ConfirmedBooleanSqlInjection")
    assert sqli.title == "Boolean Based SQL Injection"
    assert sqli.severity is Severity.CRITICAL
    assert sqli.asset == "php.testsparker.com"
    assert sqli.port is not None
    assert (sqli.port.number, sqli.port.protocol, sqli.port.service) == ("80", "tcp", "http")
    assert sqli.vulnerable_parameters == ("id",)
    assert sqli.cwes == (89,)
    assert {(s.kind, s.vector, s.score) for s in sqli.scores} == {
        ("CVSS3", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", "10.0"),
        ("CVSS3_1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", "10.0"),
    }
    assert "http://bobby-tables.com" in sqli.references
    assert "Actions to take:" in sqli.recommendations
    details = next(e.code for e in sqli.evidence if e.caption == "Issue details")
    assert "State: Revived" in details
    assert "Vulnerable parameter: id (Querystring) = -1 OR 17-7=10" in details
    assert any(label == "Exploitation Skills" for label, _ in sqli.fields)


def test_json_new_classification_keys_become_fields(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(PARSER, corpus_dir / "netsparker" / "issue_11020.json"))
    apache = next(f for f in findings if f.flaw_id == "ApacheOutOfDate")
    assert apache.cwes == (1035, 937)
    assert ("NIST SP 800-53", "CM-6") in apache.fields
    assert ("OWASP Top 10 2021", "A06") in apache.fields
    known = next(e.code for e in apache.evidence if e.caption == "Known vulnerabilities")
    assert known.startswith("Apache HTTP Server Out-of-bounds Read Vulnerability (Critical)")


def test_json_empty_report(corpus_dir: Path) -> None:
    assert parse_file(PARSER, corpus_dir / "invicti" / "invicti_zero_finding.json") == []


def test_json_with_bom(corpus_dir: Path) -> None:
    data = b"\xef\xbb\xbf" + (corpus_dir / "invicti" / "invicti_one_finding.json").read_bytes()
    assert PARSER.sniff(Sniff(data))
    [finding] = findings_of(list(run_parser(PARSER, io.BytesIO(data))))
    assert finding.flaw_id == "CookieNotMarkedAsHttpOnly"


# --- XML -------------------------------------------------------------------------------------


@pytest.mark.parametrize("relative", XML_FILES)
def test_xml_one_sighting_per_vulnerability(corpus_dir: Path, relative: str) -> None:
    path = corpus_dir / relative
    tree = etree.parse(str(path))  # the test may hold a small file whole; the parser may not
    vulnerabilities = tree.findall(".//vulnerability")
    records = parse_file(PARSER, path)
    findings = findings_of(records)
    assert len(findings) == len(vulnerabilities)
    assert {f.flaw_id for f in findings} == {v.findtext("type") for v in vulnerabilities}
    assert sorted(f.location_url for f in findings) == sorted(v.findtext("url") or "" for v in vulnerabilities)
    assert Counter(f.severity for f in findings) == Counter(
        LEVELS[(v.findtext("severity") or "").lower()] for v in vulnerabilities
    )
    cwes = {int(c) for v in vulnerabilities for c in re.findall(r"\d+", v.findtext("classification/cwe") or "")}
    cwes |= {int(c) for v in vulnerabilities for c in re.findall(r"\d+", v.findtext("classification/CWE") or "")}
    assert {c for f in findings for c in f.cwes} == cwes
    assert {a.name for a in assets_of(records)} == {_host(v.findtext("url") or "") for v in vulnerabilities}


def test_legacy_xml_counts_from_its_readme(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(PARSER, corpus_dir / "netsparker" / "dradis_testsparker.xml"))
    assert len(findings) == 61
    assert len({f.flaw_id for f in findings}) == 49
    assert Counter(dict(f.fields).get("Vendor Severity", f.severity.value) for f in findings) == Counter(
        {"Critical": 7, "High": 12, "Medium": 9, "Low": 16, "Information": 12, "BestPractice": 5}
    )


def test_legacy_xml_mapping(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(PARSER, corpus_dir / "netsparker" / "dradis_testsparker.xml"))
    sqli = next(f for f in findings if f.flaw_id == "ConfirmedBooleanSqlInjection")
    assert sqli.title == "Boolean Based SQL Injection"
    assert sqli.vulnerable_parameters == ("id",)
    proofs = next(e.code for e in sqli.evidence if e.caption == "Proofs")
    assert "Identified Database User: root@localhost" in proofs
    assert {s.kind for s in sqli.scores} == {"CVSS3", "CVSS3_1"}
    apache = next(f for f in findings if f.flaw_id == "ApacheOutOfDate")
    assert "CVE-2021-44790" in apache.cves
    extra = next(e.code for e in apache.evidence if e.caption == "Extra information")
    assert "Identified Version: 2.2.8" in extra


def test_enterprise_xml_mapping(corpus_dir: Path) -> None:
    records = parse_file(PARSER, corpus_dir / "invicti" / "heimdall_sample-netsparker-invicti.xml")
    findings = findings_of(records)
    ciphers = next(f for f in findings if f.flaw_id == "WeakCiphersDetected")
    assert ciphers.title == "Weak Ciphers Enabled"
    assert ciphers.severity is Severity.MEDIUM
    assert ciphers.asset == "foo.bar"
    assert ciphers.port is not None
    assert (ciphers.port.number, ciphers.port.service) == ("443", "https")
    assert ciphers.cwes == (327,)
    assert {(s.kind, s.score) for s in ciphers.scores} == {("CVSS3", "6.8"), ("CVSS3_1", "6.8")}
    extra = next(e.code for e in ciphers.evidence if e.caption == "Extra information")
    assert extra.startswith("List of Supported Weak Ciphers: TLS_RSA_WITH_AES_128_CBC_SHA256 (0x003C),")
    details = next(e.code for e in ciphers.evidence if e.caption == "Issue details")
    assert "Issue id: e8b418ae-a532-4b43-5d9b-af9b04bbbca3" in details
    assert ciphers.description.startswith("Invicti Enterprise detected that weak ciphers are enabled")
    assert "https://ssl-config.mozilla.org/" in ciphers.references
    assert [a.name for a in assets_of(records)] == ["foo.bar"]


def test_not_well_formed_2016_export_is_a_clear_invalid_file(corpus_dir: Path) -> None:
    with pytest.raises(
        InvalidFile, match=r"invalid invicti file: vulnerability [67] could not be read: not well-formed"
    ):
        parse_file(PARSER, corpus_dir / BROKEN_XML)


def test_cloud_fixture() -> None:
    records = parse_file(PARSER, FIXTURES / "netsparker_cloud_minimal.xml")
    [finding] = findings_of(records)
    assert finding.flaw_id == "ReflectedXss"
    assert finding.severity is Severity.HIGH
    assert finding.port is not None
    assert (finding.asset, finding.port.number) == ("cloud.example.test", "8443")
    assert finding.vulnerable_parameters == ("q",)
    assert finding.cwes == (79, 80)
    assert finding.cves == ("CVE-2020-0001",)
    assert finding.tags == ("pci", "external")
    assert ("PCI DSS 3.1", "6.5.7") in finding.fields
    assert [(s.kind, s.score) for s in finding.scores] == [("CVSS3_1", "7.4")]
    assert finding.references == ("https://owasp.org/xss",)
    extra = next(e.code for e in finding.evidence if e.caption == "Extra information")
    assert extra == "Payload Used: <script>"


def test_2016_layout_fixture() -> None:
    password, robots = findings_of(parse_file(PARSER, FIXTURES / "netsparker_2016_wellformed.xml"))
    assert password.flaw_id == password.title == "PasswordOverHttp"  # no <title> in this layout
    assert password.severity is Severity.HIGH  # "Important"
    assert ("Vendor Severity", "Important") in password.fields
    assert password.description == "{PRODUCT} detected that password data is being transmitted over HTTP."
    assert "Confirmed: True" in password.evidence[0].code
    assert any(e.code == "Form target action: /login" for e in password.evidence)
    assert password.cwes == (319,)
    assert robots.severity is Severity.INFORMATIONAL
    assert ("Vendor Severity", "BestPractice") in robots.fields


# --- across files ----------------------------------------------------------------------------


@pytest.mark.parametrize("relative", ALL)
def test_every_cve_in_the_file_is_kept(corpus_dir: Path, relative: str) -> None:
    path = corpus_dir / relative
    in_file = {c.upper() for c in re.findall(r"CVE-\d{4}-\d{4,}", path.read_text(errors="replace"), re.I)}
    assert in_file <= {c for f in findings_of(parse_file(PARSER, path)) for c in f.cves}


@pytest.mark.parametrize("relative", [*ALL, BROKEN_XML])
def test_sniff_accepts_every_invicti_file(corpus_dir: Path, relative: str) -> None:
    path = corpus_dir / relative
    assert sniffs(PARSER, path)


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_sniff_accepts_the_hand_made_fixtures(name: str) -> None:
    assert PARSER.sniff(Sniff((FIXTURES / name).read_bytes()))


@pytest.mark.parametrize(
    "relative",
    [
        "nessus/nessus_v_unknown.xml",
        "burp/one_finding.xml",
        "zap/juicy2.xml",
        "zap/heimdall_zap2.7.0_webgoat.json",
        "acunetix/many_findings.xml",
        "acunetix/acunetix360_one_finding.json",  # same schema, but marked as Acunetix's
        "acunetix/acunetix360_many_findings_large_constructed.json",
        "checkmarx_one/checkmarx_one.json",
        "nessus/nessus_new.csv",
    ],
)
def test_sniff_rejects_other_tools(corpus_dir: Path, relative: str) -> None:
    path = corpus_dir / relative
    assert not sniffs(PARSER, path)


def test_wrong_xml_names_what_was_found(corpus_dir: Path) -> None:
    with pytest.raises(
        InvalidFile, match=r"invalid invicti file: root element is <ScanGroup>, expected <invicti-enterprise>"
    ):
        parse_file(PARSER, corpus_dir / "acunetix" / "many_findings.xml")


def test_wrong_json_names_the_top_level_keys(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile, match=r"invalid invicti file: top-level keys are @generated, @version, site"):
        parse_file(PARSER, corpus_dir / "zap" / "heimdall_zap2.7.0_webgoat.json")
    with pytest.raises(InvalidFile, match=r"invalid invicti file: the top level is a JSON array"):
        parse_file(PARSER, corpus_dir / "zap" / "vsuraj08_zapapi_alerts_zap_report.json")


def test_truncated_json_is_invalid(corpus_dir: Path) -> None:
    data = (corpus_dir / "invicti" / "invicti_many_findings.json").read_bytes()[:20000]
    with pytest.raises(InvalidFile, match=r"invalid invicti file: truncated or malformed JSON"):
        list(run_parser(PARSER, io.BytesIO(data)))
