"""OpenVAS / Greenbone parser (XML report and "CSV Results"), checked against the corpus samples.

Expected counts are derived from each file with a plain lxml parse or ``csv.DictReader``.
``fixtures/openvas/handmade_legacy_omp.xml`` is hand-made from the public OMP 7 / GMP report
description (legacy NVT reference layout, ``get_reports_response`` wrapper, host details).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from lxml import etree

from scanlift.parsers.base import InvalidFile, Port, Severity, Sniff
from scanlift.parsers.openvas import OpenVasParser
from tests.parsers.records import assets_of, findings_of, parse_file, run_parser, unseekable

FIXTURES = Path(__file__).parent / "fixtures" / "openvas"
XML_FILES = ("many_vuln.xml", "no_vuln.xml", "one_vuln.xml", "report_detail_v2.xml")
CSV_FILES = (
    "many_vuln.csv",
    "no_vuln.csv",
    "one_vuln.csv",
    "report_combine_v2.csv",
    "report_detail_v2.csv",
    "report_using_CVE.csv",
    "report_using_openVAS.csv",
)
CVE_RE = re.compile(r"CVE-\d{4}-\d{4,}", re.IGNORECASE)
LABELS = {
    "high": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "low": Severity.LOW,
    "log": Severity.INFORMATIONAL,
    "critical": Severity.CRITICAL,
}

parser = OpenVasParser()


def _cvss_bucket(score: str) -> Severity:
    value = float(score) if score else -1.0
    if value >= 9:
        return Severity.CRITICAL
    if value >= 7:
        return Severity.HIGH
    if value >= 4:
        return Severity.MEDIUM
    if value > 0:
        return Severity.LOW
    return Severity.INFORMATIONAL


def _expected_severity(threat: str, score: str) -> Severity:
    return LABELS.get(threat.strip().lower()) or _cvss_bucket(score)


def _xml_paths(corpus_dir: Path) -> list[Path]:
    return [corpus_dir / "openvas" / n for n in XML_FILES] + [FIXTURES / "handmade_legacy_omp.xml"]


def _top_results(root: etree._Element) -> list[etree._Element]:
    return root.xpath("//results/result | /get_results_response/result")


@pytest.mark.parametrize("name", [*XML_FILES, "handmade_legacy_omp.xml"])
def test_xml_counts_severity_and_cves_match_the_file(corpus_dir: Path, name: str) -> None:
    path = next(p for p in _xml_paths(corpus_dir) if p.name == name)
    root = etree.parse(str(path)).getroot()
    results = _top_results(root)
    records = parse_file(parser, path)
    findings, assets = findings_of(records), assets_of(records)

    assert len(findings) == len(results)
    assert {f.flaw_id for f in findings} == {r.find("nvt").get("oid") for r in results}
    for finding, result in zip(findings, results, strict=True):
        assert finding.title == result.findtext("nvt/name")
        assert finding.asset == result.findtext("host").strip()
        assert finding.severity is _expected_severity(result.findtext("threat") or "", result.findtext("severity"))
    raw_cves = {c.upper() for c in CVE_RE.findall(path.read_text(encoding="utf-8"))}
    assert {c for f in findings for c in f.cves} == raw_cves
    hosts = {r.findtext("host").strip() for r in results} | {
        h.findtext("ip") for h in root.iter("host") if h.find("ip") is not None
    }
    assert sorted(a.name for a in assets) == sorted(hosts)


@pytest.mark.parametrize("name", CSV_FILES)
def test_csv_counts_severity_and_cves_match_the_file(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / "openvas" / name
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    records = parse_file(parser, path)
    findings, assets = findings_of(records), assets_of(records)

    assert len(findings) == len(rows)
    assert {f.flaw_id for f in findings} == {r["NVT OID"] for r in rows}
    for finding, row in zip(findings, rows, strict=True):
        assert finding.title == row["NVT Name"]
        assert finding.severity is _expected_severity(row["Severity"], row["CVSS"])
        assert finding.asset == row["IP"]
        if row["Port"]:
            assert finding.port == Port(number=row["Port"], protocol=row["Port Protocol"])
        else:
            assert finding.port is None
    raw_cves = {c.upper() for c in CVE_RE.findall(path.read_text(encoding="utf-8"))}
    assert {c for f in findings for c in f.cves} == raw_cves
    assert sorted(a.name for a in assets) == sorted({r["IP"] for r in rows})


def test_one_vuln_xml_spot_checks(corpus_dir: Path) -> None:
    (finding,) = findings_of(parse_file(parser, corpus_dir / "openvas" / "one_vuln.xml"))
    assert finding.flaw_id == "1.3.6.1.4.1.25623.1.0.832260"
    assert finding.title == "Mozilla Firefox Security Update (mfsa_2023-32_2023-36) - Windows"
    assert finding.severity is Severity.HIGH
    assert finding.port is None
    assert finding.asset == "10.0.101.2"
    assert len(finding.cves) == 12
    assert "https://www.mozilla.org/en-US/security/advisories/mfsa2023-34/" in finding.references
    assert finding.description.startswith("Mozilla Firefox is prone to multiple vulnerabilities.\n\nImpact:\n")
    assert "Vulnerability Insight:\nMultiple flaws exist due to," in finding.description
    assert (
        finding.recommendations == "Upgrade to version 117 or later,\nPlease see the references for more information."
    )
    assert ("QoD", "97 registry") in finding.fields
    assert ("Solution Type", "VendorFix") in finding.fields
    (evidence,) = finding.evidence
    assert evidence.caption == "OpenVAS result (general/tcp)"
    assert evidence.code.startswith("Installed version: 116.0.3\nFixed version:     117")


def test_xml_and_csv_exports_of_the_same_result_agree(corpus_dir: Path) -> None:
    (from_xml,) = findings_of(parse_file(parser, corpus_dir / "openvas" / "report_detail_v2.xml"))
    (from_csv,) = findings_of(parse_file(parser, corpus_dir / "openvas" / "report_detail_v2.csv"))
    for name in ("flaw_id", "title", "severity", "cves", "recommendations", "asset", "port", "evidence"):
        assert getattr(from_xml, name) == getattr(from_csv, name), name
    assert len(from_xml.cves) == 93
    assert [(s.kind, s.vector, s.score) for s in from_xml.scores] == [
        ("CVSS3_1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "9.8")
    ]
    assert "CERT-Bund: WID-SEC-2025-1850" in from_xml.references
    assert "CERT-Bund: WID-SEC-2025-1850" in from_csv.references
    assert "DFN-CERT-2025-2181" in from_xml.references
    assert "Affected Software/OS:\n- Microsoft Windows 10 Version 1809" in from_csv.description
    assert ("Max Severity EPSS Score", "0.00143") in from_csv.fields
    (asset,) = assets_of(parse_file(parser, corpus_dir / "openvas" / "report_detail_v2.xml"))
    assert (asset.name, asset.hostname) == ("10.99.99.99", "server99")


def test_empty_threat_falls_back_to_the_numeric_severity(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(parser, corpus_dir / "openvas" / "many_vuln.xml"))
    unlabelled = [f for f in findings if not any(label == "OpenVAS Threat" for label, _ in f.fields)]
    assert len(unlabelled) == 2
    assert all(f.severity is Severity.MEDIUM for f in unlabelled)


def test_csv_specifics(corpus_dir: Path) -> None:
    combined = findings_of(parse_file(parser, corpus_dir / "openvas" / "report_combine_v2.csv"))
    assert [f.flaw_id for f in combined] == ["1.3.6.1.4.1.25623.1.0.80091"] * 2
    by_cve = findings_of(parse_file(parser, corpus_dir / "openvas" / "report_using_CVE.csv"))
    first = by_cve[0]
    assert (first.flaw_id, first.cves, first.severity) == (
        "CVE-2021-26690",
        ("CVE-2021-26690",),
        Severity.HIGH,
    )
    assert first.evidence[1].caption == "Product detection result"
    assert first.evidence[1].code.startswith("Product: cpe:/a:apache:http_server:2.4.7")
    logs = findings_of(parse_file(parser, corpus_dir / "openvas" / "report_using_openVAS.csv"))
    assert sum(f.severity is Severity.INFORMATIONAL for f in logs) == 12


def test_legacy_layout_and_host_details() -> None:
    records = parse_file(parser, FIXTURES / "handmade_legacy_omp.xml")
    heartbleed, os_log, false_positive = findings_of(records)
    assert heartbleed.port == Port(number="80", protocol="tcp", service="www")
    assert heartbleed.references == (
        "http://heartbleed.com/",
        "OSVDB:105465",
        "CERT-Bund: CB-K14/0324",
        "DFN-CERT-2014-0407",
        "CVE-2014-0160",
        "CVE-2014-0346",
        "BID: 66690",
    )
    assert "Vulnerability Insight:\nThe TLS | DTLS heartbeat is not bounds-checked." in heartbleed.description
    assert heartbleed.recommendations == "Upgrade to OpenSSL 1.0.1g."
    assert [(s.kind, s.vector) for s in heartbleed.scores] == [("CVSS2", "AV:N/AC:L/Au:N/C:P/I:N/A:N")]
    assert heartbleed.evidence[1].code.splitlines()[0] == "product: cpe:/a:openssl:openssl:1.0.1e"
    assert (os_log.severity, os_log.references, os_log.port) == (Severity.INFORMATIONAL, (), None)
    assert false_positive.severity is Severity.INFORMATIONAL
    assert ("OpenVAS Threat", "False Positive") in false_positive.fields
    assert ("Original Threat", "Medium") in false_positive.fields

    web, db = assets_of(records)
    assert (web.name, web.fqdn, web.operating_system, web.mac) == (
        "192.0.2.10",
        "www.example.org",
        "Debian GNU/Linux 9",
        "52:54:00:12:34:56",
    )
    assert (db.name, db.hostname, db.fqdn) == ("192.0.2.11", "db", "db.example.org")


def test_non_seekable_stream() -> None:
    stream = unseekable((FIXTURES / "handmade_legacy_omp.xml").read_bytes(), chunk=7)
    assert not stream.seekable()
    assert len(findings_of(list(run_parser(parser, stream)))) == 3


def test_sniff_accepts_every_sample(corpus_dir: Path) -> None:
    paths = [corpus_dir / "openvas" / n for n in (*XML_FILES, *CSV_FILES)] + [FIXTURES / "handmade_legacy_omp.xml"]
    for path in paths:
        assert parser.sniff(Sniff(path.read_bytes()[:65536], path.name)), path.name


@pytest.mark.parametrize(
    "other",
    ["nessus", "nexpose", "nmap", "qualys", "burp", "zap", "acunetix", "checkmarx", "nipper", "veracode"],
)
def test_sniff_rejects_other_tools(corpus_dir: Path, other: str) -> None:
    paths = sorted(p for p in (corpus_dir / other).iterdir() if p.is_file())
    assert paths
    for path in paths:
        assert not parser.sniff(Sniff(path.read_bytes()[:65536], path.name)), path


def test_sniff_rejects_a_plain_report_root() -> None:
    assert not parser.sniff(Sniff(b'<?xml version="1.0"?><report><issues><issue/></issues></report>'))


def test_wrong_format_names_what_was_found(corpus_dir: Path) -> None:
    nessus = corpus_dir / "nessus" / "issue_6992.nessus"
    with pytest.raises(InvalidFile) as caught:
        parse_file(parser, nessus)
    assert caught.value.source == "openvas"
    assert "root element is <NessusClientData_v2>" in str(caught.value)

    with pytest.raises(InvalidFile, match=r"missing required columns: IP, NVT OID, NVT Name"):
        parse_file(parser, corpus_dir / "nessus" / "nessus_many_vuln.csv")
    with pytest.raises(InvalidFile, match=r"neither XML nor a CSV results file \(the content starts with '\{'"):
        list(run_parser(parser, io.BytesIO(b'{"results": []}')))
    with pytest.raises(InvalidFile, match="the file is empty"):
        list(run_parser(parser, io.BytesIO(b"  \n")))
