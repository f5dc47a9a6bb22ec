"""The Horizon3.ai NodeZero weaknesses CSV parser (PlexTrac ids ``nodezero`` and ``horizon``).

No real NodeZero CSV is public. ``fixtures/nodezero/handmade_weaknesses.csv`` is HAND-MADE for
these tests: its columns are the public GraphQL ``Weakness`` field names, sorted and fully quoted
the way h3-cli's documented ``h3 weaknesses-stream | jq -rsf filters/to_csv.jq`` writes them;
the values are invented. The tests therefore pin the parser to that public description and to
its refusal of anything else.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from scanlift.parsers.base import InvalidFile, Severity
from scanlift.parsers.nodezero import NodeZeroParser
from tests.parsers.records import assets_of, findings_of, parse_file, run_parser, sniffs

PARSER = NodeZeroParser()
HANDMADE = Path(__file__).parent / "fixtures" / "nodezero" / "handmade_weaknesses.csv"
OTHER_TOOLS = [
    "nessus/issue_6992.nessus",
    "nessus/nessus_new.csv",
    "nessus/tenable_many_vuln.csv",
    "qualys/Qualys_Sample_Report.csv",
    "qualys_vmdr/many_vulns_qid.csv",
    "openvas/many_vuln.csv",
    "invicti/invicti_one_finding.json",
    "coreimpact/dradis_coreimpact_example.xml",
]


def _rows() -> list[dict[str, str]]:
    with HANDMADE.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_one_sighting_per_row_and_one_asset_per_host() -> None:
    rows = _rows()
    records = parse_file(PARSER, HANDMADE)
    findings = findings_of(records)
    assert len(findings) == len(rows)
    assert {f.flaw_id for f in findings} == {r["vuln_id"] for r in rows}
    hosts = {r["ip"] or r["affected_asset_display_name"] for r in rows}
    assert sorted(a.name for a in assets_of(records)) == sorted(hosts)
    assert len(assets_of(records)) == len(hosts)  # each host described once


def test_every_cve_in_the_file_is_kept() -> None:
    in_file = {c.upper() for c in re.findall(r"CVE-\d{4}-\d{4,}", HANDMADE.read_text(), re.I)}
    assert in_file == {"CVE-2021-44228", "CVE-2021-45046"}
    assert in_file <= {c for f in findings_of(parse_file(PARSER, HANDMADE)) for c in f.cves}


def test_mapping_of_one_weakness() -> None:
    log4shell = findings_of(parse_file(PARSER, HANDMADE))[0]
    assert log4shell.flaw_id == "CVE-2021-44228"
    assert log4shell.title == "Apache Log4j2 Remote Code Execution (Log4Shell)"
    assert log4shell.severity is Severity.CRITICAL
    assert log4shell.asset == "10.0.0.5"
    assert log4shell.cves == ("CVE-2021-44228", "CVE-2021-45046")
    assert ("NodeZero Category", "SECURITY_CONTROLS") in log4shell.fields
    assert ("CISA KEV", "true") in log4shell.fields
    assert any(label == "MITRE ATT&CK Mappings" and "T1190" in value for label, value in log4shell.fields)
    (instance,) = log4shell.evidence
    assert instance.caption == "NodeZero weakness 6f1c0a52-0000-4000-8000-000000000001 on 10.0.0.5"
    assert "context_score_description: Exploited to gain a shell as SYSTEM." in instance.code
    assert "has_proof: true" in instance.code


def test_severity_words_and_asset_fallbacks() -> None:
    records = parse_file(PARSER, HANDMADE)
    by_id = {f.flaw_id: f for f in findings_of(records)}
    assert by_id["H3-2021-0020"].severity is Severity.MEDIUM
    assert by_id["H3-2022-0086"].severity is Severity.INFORMATIONAL  # INFO
    assert by_id["H3-2021-0020"].asset == "dc01.corp.example.test"  # no ip: the display name
    assets = {a.name: a for a in assets_of(records)}
    assert (assets["10.0.0.5"].hostname, assets["10.0.0.5"].fqdn) == ("app01", "app01.corp.example.test")
    assert assets["10.0.0.6"].hostname == ""  # its display name is its IP


def test_sniff_accepts_the_documented_header() -> None:
    assert sniffs(PARSER, HANDMADE)


@pytest.mark.parametrize("other", OTHER_TOOLS)
def test_sniff_rejects_other_tools(corpus_dir: Path, other: str) -> None:
    assert not sniffs(PARSER, corpus_dir / other)


def test_wrong_format_lists_the_missing_columns(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile) as caught:
        parse_file(PARSER, corpus_dir / "nessus" / "nessus_new.csv")
    message = str(caught.value)
    assert caught.value.source == "nodezero"
    assert "missing required columns: vuln_id, vuln_name, one of ip / affected_asset_display_name" in message
    assert "(the header is age_in_days, asset.display_fqdn, " in message


def test_header_only_file_of_another_tool_is_refused() -> None:
    with pytest.raises(InvalidFile, match="missing required columns"):
        list(run_parser(PARSER, io.BytesIO(b"Weakness,Severity,Host\n")))


def test_header_only_weaknesses_file_is_empty() -> None:
    assert list(run_parser(PARSER, io.BytesIO(b"vuln_id,vuln_name,severity,ip\n"))) == []


def test_unknown_severity_is_refused_not_guessed() -> None:
    data = b"vuln_id,vuln_name,severity,ip\nH3-1,Thing,SEVERE,10.0.0.1\n"
    with pytest.raises(InvalidFile, match="data row 1 has severity 'SEVERE'"):
        list(run_parser(PARSER, io.BytesIO(data)))


def test_xml_is_refused(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile):
        parse_file(PARSER, corpus_dir / "coreimpact" / "dradis_coreimpact_example.xml")
