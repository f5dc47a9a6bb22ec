"""Checkmarx SAST XML (``checkmarx``), following PlexTrac's published Checkmarx mapping.

Expectations are derived from each corpus file with a plain ``lxml.etree.parse``. The JSON files
in the corpus are Checkmarx One / AST reports, which PlexTrac's Checkmarx import does not take:
they must be refused by name.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from scanlift.parsers.base import InvalidFile, Severity, Sniff
from scanlift.parsers.checkmarx import DESCRIPTION, CheckmarxParser
from tests.parsers.records import assets_of, findings_of, parse_file

PARSER = CheckmarxParser()

XML_FILES = (
    "many_aggregated_findings.xml",
    "multiple_findings.xml",
    "multiple_findings_different_sourceFilename_same_sinkFilename.xml",
    "multiple_findings_line_changed.xml",
    "multiple_findings_same_file_different_line_number.xml",
    "multiple_findings_same_query_id.xml",
    "multiple_findings_same_sourceFilename_different_sinkFilename.xml",
    "no_finding.xml",
    "single_finding.xml",
    "single_finding_false_positive.xml",
    "single_no_filename.xml",
    "two_aggregated_findings_one_is_false_positive.xml",
    "utf8_replacement_char.xml",
    "utf8_various_non_ascii_char.xml",
)

JSON_FILES = (
    "checkmarx/multiple_findings.json",
    "checkmarx/sample_report.json",
    "checkmarx_one/checkmarx_one.json",
    "checkmarx_osa/multiple_findings.json",
    "checkmarx_cxflow_sast/4-findings.json",
)

OTHER_TOOLS = (
    "nessus/nessus_v_unknown.xml",
    "burp/one_finding.xml",
    "appscan/issue_9279.xml",
    "veracode/veracode_scan.xml",
    "zap/0_zap_sample.xml",
    *JSON_FILES,
)

USERS = "WebGoat/webgoat-lessons/missing-function-ac/src/main/java/org/owasp/webgoat/plugin/Users.java"


def _results(path: Path) -> list[etree._Element]:
    return list(etree.parse(str(path)).getroot().iter("Result"))


def test_corpus_list_is_complete(corpus_dir: Path) -> None:
    assert {p.name for p in (corpus_dir / "checkmarx").glob("*.xml")} == set(XML_FILES)


@pytest.mark.parametrize("name", XML_FILES)
def test_counts_match_the_file(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / "checkmarx" / name
    results = _results(path)
    findings = findings_of(parse_file(PARSER, path))

    assert len(findings) == len(results)
    assert {f.flaw_id for f in findings} == {r.getparent().get("id") for r in results}
    assert sorted(len(f.evidence) for f in findings) == sorted(len(r.findall("Path")) for r in results)
    nodes = sum(len(r.findall("Path/PathNode")) for r in results)
    assert sum(len(re.findall(r"^\d+\. ", e.code, re.MULTILINE)) for f in findings for e in f.evidence) == nodes
    false_positives = sum(1 for r in results if r.get("FalsePositive") == "True")
    assert sum(1 for f in findings if ("False Positive", "True") in f.fields) == false_positives
    raw = path.read_text(encoding="utf-8-sig")
    cves = {c.upper() for c in re.findall(r"CVE-\d{4}-\d{4,}", raw, re.IGNORECASE)}
    assert cves <= {c for f in findings for c in f.cves}
    cwes = {int(r.getparent().get("cweId")) for r in results if r.getparent().get("cweId")}
    assert cwes == {c for f in findings for c in f.cwes}
    assert all(f.description == DESCRIPTION for f in findings)
    assert assets_of(parse_file(PARSER, path)) == []


@pytest.mark.parametrize("name", XML_FILES)
def test_sniff_accepts_every_corpus_file(corpus_dir: Path, name: str) -> None:
    assert PARSER.sniff(Sniff((corpus_dir / "checkmarx" / name).read_bytes()[:65536], name))


@pytest.mark.parametrize("name", OTHER_TOOLS)
def test_sniff_rejects_other_tools(corpus_dir: Path, name: str) -> None:
    assert not PARSER.sniff(Sniff((corpus_dir / name).read_bytes()[:65536], name))


@pytest.mark.parametrize("name", JSON_FILES)
def test_json_reports_are_refused_by_name(corpus_dir: Path, name: str) -> None:
    with pytest.raises(InvalidFile, match=r"invalid checkmarx file: found a JSON document"):
        parse_file(PARSER, corpus_dir / name)


def test_wrong_root_names_what_was_found(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile) as caught:
        parse_file(PARSER, corpus_dir / "nessus/nessus_v_unknown.xml")
    assert caught.value.source == "checkmarx"
    assert "root element is <NessusClientData_v2>, expected <CxXMLResults>" in str(caught.value)


def test_no_finding_file_is_empty(corpus_dir: Path) -> None:
    assert parse_file(PARSER, corpus_dir / "checkmarx/no_finding.xml") == []


def test_single_finding_follows_plextrac_mapping(corpus_dir: Path) -> None:
    (finding,) = findings_of(parse_file(PARSER, corpus_dir / "checkmarx/single_finding.xml"))
    assert finding.flaw_id == "595"
    assert finding.title == "Stored XSS"  # Query name, underscores replaced by spaces
    assert finding.severity is Severity.HIGH
    assert finding.cwes == (79,)
    assert finding.references == ("https://cwe.mitre.org/data/definitions/79.html",)
    assert finding.recommendations == (
        "https://checkmarxserver.com/CxWebClient/ViewerMain.aspx?scanid=1000227&projectid=121&pathid=28"
    )
    # categories split on ";" exactly as PlexTrac does, then the group.
    assert finding.tags == (
        "PCI DSS v3.2",
        "PCI DSS (3.2) - 6.5.7 - Cross-site scripting (XSS),OWASP Top 10 2013",
        "A3-Cross-Site Scripting (XSS),FISMA 2014",
        "System And Information Integrity,NIST SP 800-53",
        "SI-15 Information Output Filtering (P0),OWASP Top 10 2017",
        "A7-Cross-Site Scripting (XSS)",
        "Java_High_Risk",
    )
    assert finding.asset == USERS
    assert finding.location_url == f"{USERS}:39"
    assert ("Result State", "To Verify") in finding.fields
    assert ("False Positive", "False") in finding.fields
    assert ("Project", "Webgoat") in finding.fields
    (path,) = finding.evidence
    assert path.caption == f"Data flow, path 28: {USERS}:39 -> {USERS}:58"
    lines = path.code.splitlines()
    assert lines[0] == f"1. {USERS}:39:59  executeQuery"
    assert lines[1] == "    39:                 ResultSet results = statement.executeQuery(query);"
    assert lines[-2] == f"10. {USERS}:58:28  allUsersMap"
    assert len(lines) == 20


def test_false_positive_is_kept_and_marked(corpus_dir: Path) -> None:
    findings = findings_of(
        parse_file(PARSER, corpus_dir / "checkmarx/two_aggregated_findings_one_is_false_positive.xml")
    )
    assert len(findings) == 2
    flagged = [f for f in findings if ("False Positive", "True") in f.fields]
    assert len(flagged) == 1
    assert "marked false positive in Checkmarx" in flagged[0].evidence[0].caption
    (single,) = findings_of(parse_file(PARSER, corpus_dir / "checkmarx/single_finding_false_positive.xml"))
    assert ("Result State", "Not Exploitable") in single.fields


def test_result_without_file_name(corpus_dir: Path) -> None:
    (finding,) = findings_of(parse_file(PARSER, corpus_dir / "checkmarx/single_no_filename.xml"))
    assert finding.title == "Missing HSTS Header"
    assert finding.severity is Severity.MEDIUM
    assert finding.asset is None
    assert finding.location_url == ""
    assert finding.tags == ("PHP_Medium_Threat",)
    assert (
        "Remark",
        "some remark, [Monday, October 25, 2021 9:31:40 AM]: Changed status to Not Exploitable",
    ) in (finding.fields)


def test_information_severity_and_many_results(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(PARSER, corpus_dir / "checkmarx/many_aggregated_findings.xml"))
    assert {f.severity for f in findings} == {Severity.INFORMATIONAL}
    assert {f.title for f in findings} == {"Insufficient Logging of Exceptions"}
    assert len(findings) == 185
    assert {f.asset for f in findings} == {"filename3.cs"}


def test_replacement_characters_survive(corpus_dir: Path) -> None:
    (finding,) = findings_of(parse_file(PARSER, corpus_dir / "checkmarx/utf8_replacement_char.xml"))
    assert finding.asset == USERS
    assert f"{USERS}\ufffd:39:59  executeQuery\ufffd" in finding.evidence[0].code
    assert "executeQuery\ufffd" in finding.evidence[0].code
    assert "statement.executeQuery(query);//\ufffd" in finding.evidence[0].code


def test_non_ascii_characters_survive(corpus_dir: Path) -> None:
    path = corpus_dir / "checkmarx/utf8_various_non_ascii_char.xml"
    (finding,) = findings_of(parse_file(PARSER, path))
    result = _results(path)[0]
    assert finding.asset == result.get("FileName")
    assert "¡¢£¤¥" in (finding.asset or "")
    assert "\u017f" in (finding.asset or "")
    code = finding.evidence[0].code
    for node in result.iter("Name", "Code"):
        assert (node.text or "") in code
    assert "// other: ƒ" in code


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
    path = corpus_dir / "checkmarx/multiple_findings_same_query_id.xml"
    streamed = list(PARSER.parse(io.BufferedReader(_Unseekable(path.read_bytes()))))
    assert streamed == parse_file(PARSER, path)
    json = (corpus_dir / "checkmarx/sample_report.json").read_bytes()
    with pytest.raises(InvalidFile, match="JSON"):
        list(PARSER.parse(io.BufferedReader(_Unseekable(json))))
