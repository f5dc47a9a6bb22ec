"""Checkmarx (``checkmarx``): CxSAST XML, following PlexTrac's published Checkmarx mapping, and the
Checkmarx scan report JSON (``reportId``/``reportHeader``/``scanResults`` with sast/sca/kics).

Expectations are derived from each corpus file with a plain ``lxml.etree.parse`` (XML) or
``json.load`` (JSON). Other Checkmarx products' JSON (Checkmarx One exports, CxOSA, CxFlow) must be
refused by name. The JSON variants built in these tests (key order, huge integers, states, a 4x
file) are edits of the real corpus files.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import ijson
import pytest
from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import json as _json
from scanlift.parsers._lib.sniff import HEAD_BYTES
from scanlift.parsers.base import Evidence, InvalidFile, ScanFinding, Severity, Sniff
from scanlift.parsers.checkmarx import DESCRIPTION, CheckmarxParser
from scanlift.parsers.registry import PARSERS
from tests.parsers.records import assets_of, findings_of, parse_file, peak_parse_memory, run_parser, unseekable

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
    "multiple_findings.json",
    "multiple_findings_fabricated_internal_duplicates.json",
    "multiple_findings_fabricated_internal_duplicates_subset.json",
    "multiple_findings_fabricated_subset.json",
    "sample_report.json",
)

#: Other Checkmarx products' JSON, with the name the refusal must give.
OTHER_CHECKMARX = {
    "checkmarx_one": "Checkmarx One",
    "checkmarx_osa": "CxOSA",
    "checkmarx_cxflow_sast": "CxFlow",
}

OTHER_TOOLS = (
    "nessus/nessus_v_unknown.xml",
    "burp/one_finding.xml",
    "appscan/issue_9279.xml",
    "veracode/veracode_scan.xml",
    "zap/0_zap_sample.xml",
    "zap/heimdall_zap2.7.0_webgoat.json",
    "acunetix/acunetix360_one_finding.json",
    "veracode_sca/veracode_sca.json",
    "checkmarx_one/checkmarx_one.json",
    "checkmarx_one/vulnerabilities_from_scan_results.json",
    "checkmarx_osa/multiple_findings.json",
    "checkmarx_cxflow_sast/4-findings.json",
)

USERS = "WebGoat/webgoat-lessons/missing-function-ac/src/main/java/org/owasp/webgoat/plugin/Users.java"


def _results(path: Path) -> list[etree._Element]:
    return list(etree.parse(str(path)).getroot().iter("Result"))


def _query_attribute(result: etree._Element, name: str) -> str:
    query = result.getparent()
    assert query is not None
    return query.get(name) or ""


def test_corpus_list_is_complete(corpus_dir: Path) -> None:
    assert {p.name for p in (corpus_dir / "checkmarx").glob("*.xml")} == set(XML_FILES)
    assert {p.name for p in (corpus_dir / "checkmarx").glob("*.json")} == set(JSON_FILES)


@pytest.mark.parametrize("name", XML_FILES)
def test_counts_match_the_file(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / "checkmarx" / name
    results = _results(path)
    findings = findings_of(parse_file(PARSER, path))

    assert len(findings) == len(results)
    assert {f.flaw_id for f in findings} == {_query_attribute(r, "id") for r in results}
    assert sorted(len(f.evidence) for f in findings) == sorted(len(r.findall("Path")) for r in results)
    nodes = sum(len(r.findall("Path/PathNode")) for r in results)
    assert sum(len(re.findall(r"^\d+\. ", e.code, re.MULTILINE)) for f in findings for e in f.evidence) == nodes
    false_positives = sum(1 for r in results if r.get("FalsePositive") == "True")
    assert sum(1 for f in findings if ("False Positive", "True") in f.fields) == false_positives
    raw = path.read_text(encoding="utf-8-sig")
    cves = {c.upper() for c in re.findall(r"CVE-\d{4}-\d{4,}", raw, re.IGNORECASE)}
    assert cves <= {c for f in findings for c in f.cves}
    cwes = {int(_query_attribute(r, "cweId")) for r in results if _query_attribute(r, "cweId")}
    assert cwes == {c for f in findings for c in f.cwes}
    assert all(f.description == DESCRIPTION for f in findings)
    assert assets_of(parse_file(PARSER, path)) == []


@pytest.mark.parametrize("name", XML_FILES)
def test_sniff_accepts_every_corpus_file(corpus_dir: Path, name: str) -> None:
    assert PARSER.sniff(Sniff((corpus_dir / "checkmarx" / name).read_bytes()[:65536], name))


@pytest.mark.parametrize("name", OTHER_TOOLS)
def test_sniff_rejects_other_tools(corpus_dir: Path, name: str) -> None:
    assert not PARSER.sniff(Sniff((corpus_dir / name).read_bytes()[:65536], name))


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


def test_non_seekable_stream(corpus_dir: Path) -> None:
    path = corpus_dir / "checkmarx/multiple_findings_same_query_id.xml"
    streamed = list(run_parser(PARSER, unseekable(path.read_bytes())))
    assert streamed == parse_file(PARSER, path)
    report = corpus_dir / "checkmarx/sample_report.json"
    assert list(run_parser(PARSER, unseekable(report.read_bytes()))) == parse_file(PARSER, report)


# --- Checkmarx scan report JSON ------------------------------------------------------------------

JSON_SEVERITIES = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
    "INFO": Severity.INFORMATIONAL,
}


def _json_results(data: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(engine, parent, vulnerability) for every vulnerability, read the plain way."""
    sections = data["scanResults"] or {}
    found: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    for language in (sections.get("sast") or {}).get("languages") or []:
        for query in language["queries"] or []:
            found += [("SAST", query, v) for v in query["vulnerabilities"] or []]
    for package in (sections.get("sca") or {}).get("packages") or []:
        found += [("SCA", package, v) for v in package["vulnerabilities"] or []]
    for group in (sections.get("kics") or {}).get("results") or []:
        found += [("KICS", group, v) for v in group["vulnerabilities"] or []]
    return found


def _engine(finding: ScanFinding) -> str:
    return dict(finding.fields)["Engine"]


@pytest.mark.parametrize("name", JSON_FILES)
def test_json_counts_match_the_file(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / "checkmarx" / name
    data = json.loads(path.read_text(encoding="utf-8"))
    results = _json_results(data)
    records = parse_file(PARSER, path)
    findings = findings_of(records)

    assert assets_of(records) == []
    assert len(findings) == len(results)
    assert Counter(_engine(f) for f in findings) == Counter(engine for engine, _, _ in results)
    # One flaw per SAST query (id, else name), per SCA vulnerability id, per KICS query.
    flaws = {
        (engine, (parent.get("queryId") or parent["queryName"]) if engine == "SAST" else v.get("cveId") or "")
        if engine != "KICS"
        else (engine, v.get("queryId") or v["queryName"])
        for engine, parent, v in results
    }
    assert len({f.flaw_id for f in findings}) == len(flaws)
    titles = {
        parent["queryName"].replace("_", " ")
        if engine == "SAST"
        else (v["cveId"] if engine == "SCA" else v["queryName"])
        for engine, parent, v in results
    }
    assert {f.title for f in findings} == titles
    assert Counter(f.severity for f in findings) == Counter(JSON_SEVERITIES[v["severity"]] for _, _, v in results)
    raw = path.read_text(encoding="utf-8")
    cves = {c.upper() for c in re.findall(r"CVE-\d{4}-\d{4,}", raw, re.IGNORECASE)}
    assert cves <= {c for f in findings for c in f.cves}
    cwes = {int(v["cweId"]) for e, _, v in results if e == "SAST"} | {
        int(v["cwe"]) for e, _, v in results if e == "SCA"
    }
    assert {c for f in findings for c in f.cwes} == cwes
    # Asset: first node's file (SAST), package (SCA), file (KICS).
    assets = Counter(
        (v["nodes"][0]["fileName"] if engine == "SAST" else parent["name"] if engine == "SCA" else v["fileName"])
        or None
        for engine, parent, v in results
    )
    assert Counter(f.asset for f in findings) == assets
    # SAST evidence: one numbered line per node.
    sast = [f for f in findings if _engine(f) == "SAST"]
    nodes = sum(len(v["nodes"]) for e, _, v in results if e == "SAST")
    assert sum(len(re.findall(r"^\d+\. ", e.code, re.MULTILINE)) for f in sast for e in f.evidence) == nodes
    assert all(f.description.startswith(DESCRIPTION) for f in sast)


def test_json_sast_spot_check(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(PARSER, corpus_dir / "checkmarx/multiple_findings.json"))
    sql = [f for f in findings if f.title == "SQL Injection"]
    assert len(sql) == 3
    first = sql[0]
    source = "/diva-android-master/app/src/main/java/jakhar/aseem/diva/SQLInjectionActivity.java"
    assert first.severity is Severity.HIGH
    assert first.flaw_id == _ids.title_flaw_id("SQL Injection")  # the export leaves queryId empty
    assert first.cwes == (89,)
    assert first.references == ("https://cwe.mitre.org/data/definitions/89.html",)
    assert first.description == DESCRIPTION
    assert first.asset == source
    assert first.location_url == f"{source}:70"
    assert first.tags[0] == "OWASP Top 10 2013"
    assert first.tags[-1] == "Java_High_Risk"
    fields = dict(first.fields)
    assert fields["Language"] == "Java"
    assert fields["Project"] == "DIVA"
    assert fields["Result State"] == "To Verify"
    assert fields["False Positive"] == "False"
    assert fields["Result Id"] == "/oiUUpBjigtUpTb1+haL9nypVaQ="
    assert fields["Similarity Id"] == "-665784454"
    (path,) = first.evidence
    assert path.caption == f"Data flow: {source}:70 -> {source}:70"
    assert path.code.splitlines() == [
        f"1. {source}:70:88  getText",
        "    method: search, full name: jakhar.aseem.diva.SQLInjectionActivity.search.srchtxt.getText, "
        "type: MethodInvokeExpr",
        f"2. {source}:70:99  toString",
        "    method: search, full name: jakhar.aseem.diva.SQLInjectionActivity.search.toString, type: MethodInvokeExpr",
        f"3. {source}:70:30  rawQuery",
        "    method: search, full name: jakhar.aseem.diva.SQLInjectionActivity.mDB.rawQuery, type: MethodInvokeExpr",
    ]


def test_json_sample_report_spot_checks(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(PARSER, corpus_dir / "checkmarx/sample_report.json"))

    xss = findings[0]  # the first SAST result, whose result id is empty
    assert xss.title == "Reflected XSS All Clients"
    assert "Result Id" not in dict(xss.fields)  # empty values are not kept
    assert dict(xss.fields)["Detection Date"] == "2022-09-14T11:06:53Z"  # {"seconds": 1663153613}
    assert dict(xss.fields)["First Detection Date"] == "2022-05-06T11:06:09Z"
    assert xss.evidence[0].code.startswith("1. /webgoat-lessons/password-reset/")
    assert len(re.findall(r"^\d+\. ", xss.evidence[0].code, re.MULTILINE)) == 9

    (underscore,) = [f for f in findings if f.asset == "Npm-underscore-1.10.2"]
    assert underscore.flaw_id == underscore.title == "CVE-2021-23358"
    assert underscore.severity is Severity.HIGH  # severity, not riskLevel (LOW)
    assert underscore.cves == ("CVE-2021-23358",)
    assert underscore.cwes == (94,)
    assert underscore.description.startswith("The package underscore from 1.13.0-0")
    assert underscore.references == (
        "https://nvd.nist.gov/vuln/detail/CVE-2021-23358",
        "https://cwe.mitre.org/data/definitions/94.html",
    )
    fields = dict(underscore.fields)
    assert (fields["Engine"], fields["Package"], fields["Package Version"]) == (
        "SCA",
        "Npm-underscore-1.10.2",
        "1.10.2",
    )
    assert (fields["Risk Level"], fields["Outdated"], fields["Project"]) == ("LOW", "true", "WebGoat")
    assert "Similarity Id" not in fields  # the same CVE id as the flaw id
    assert underscore.evidence == (
        Evidence(
            caption="Vulnerable package Npm-underscore-1.10.2",
            code="Package: Npm-underscore-1.10.2\nVersion: 1.10.2\nVulnerability: CVE-2021-23358\nOutdated: true",
        ),
    )

    (jquery,) = [f for f in findings if f.flaw_id == "Cxf0b588a3-5c6f"]  # a Checkmarx id, no CVE
    assert jquery.title == "Cxf0b588a3-5c6f"
    assert jquery.asset == "Npm-jquery-2.1.4"
    assert jquery.cves == ()
    assert jquery.cwes == (79,)

    apt = [f for f in findings if f.title == "Apt Get Install Lists Were Not Deleted"]
    assert {f.asset for f in apt} >= {"/webgoat-server/Dockerfile"}
    first = next(f for f in apt if f.asset == "/webgoat-server/Dockerfile")
    assert first.flaw_id == _ids.title_flaw_id("Apt Get Install Lists Were Not Deleted")
    assert first.severity is Severity.INFORMATIONAL
    assert first.description == "After using apt-get install, it is needed to delete apt-get lists"
    assert first.tags == ("Supply-Chain", "Dockerfile")
    assert first.location_url == "/webgoat-server/Dockerfile"
    assert first.evidence == (
        Evidence(
            caption="Configuration issue in /webgoat-server/Dockerfile",
            code="File: /webgoat-server/Dockerfile\nPlatform: Dockerfile\nIssue type: IncorrectValue\n"
            "Expected: After using apt-get install, it is needed to delete apt-get lists\n"
            "Actual: After using apt-get install, the apt-get lists were not deleted",
        ),
    )
    secret = next(f for f in findings if f.title == "Passwords And Secrets - Generic Secret")
    assert secret.asset is None  # KICS result without a file name
    assert secret.severity is Severity.HIGH


def test_json_duplicate_results_are_not_deduplicated(corpus_dir: Path) -> None:
    # The fabricated file repeats result ids; deduplication is the merger's job.
    findings = findings_of(
        parse_file(PARSER, corpus_dir / "checkmarx/multiple_findings_fabricated_internal_duplicates.json")
    )
    ids = Counter(dict(f.fields).get("Result Id") for f in findings)
    assert len(findings) == 10
    assert ids["YmC0We6hAbZWhIrrniEWGot4AHQ="] == 3


@pytest.mark.parametrize("name", JSON_FILES)
def test_sniff_accepts_every_json_corpus_file(corpus_dir: Path, name: str) -> None:
    assert PARSER.sniff(Sniff((corpus_dir / "checkmarx" / name).read_bytes()[:HEAD_BYTES], name))


def test_sniff_is_precise_across_the_corpus(corpus_dir: Path) -> None:
    """Checkmarx claims exactly the checkmarx/ folder, and no other parser claims any of it."""
    wrong = []
    for path in sorted(p for p in corpus_dir.rglob("*") if p.is_file() and p.parent != corpus_dir):
        with path.open("rb") as handle:
            head = Sniff(handle.read(HEAD_BYTES), path.name)
        ours = path.parent.name == "checkmarx"
        claims = {source for source, parser in PARSERS.items() if parser.sniff(head)}
        if ("checkmarx" in claims) != ours or (ours and claims != {"checkmarx"}):
            wrong.append((str(path.relative_to(corpus_dir)), sorted(claims)))
    assert wrong == []


def _other_checkmarx(corpus_dir: Path) -> list[Path]:
    return sorted(p for folder in OTHER_CHECKMARX for p in (corpus_dir / folder).glob("*.json"))


def test_other_checkmarx_products_are_refused_by_name(corpus_dir: Path) -> None:
    files = _other_checkmarx(corpus_dir)
    assert len(files) == 21
    for path in files:
        assert not PARSER.sniff(Sniff(path.read_bytes()[:HEAD_BYTES], path.name)), path
        with pytest.raises(InvalidFile) as caught:
            parse_file(PARSER, path)
        message = str(caught.value)
        assert message.startswith(f"invalid checkmarx file: found a {OTHER_CHECKMARX[path.parent.name]}"), message
        assert "expected the CxSAST XML report (<CxXMLResults>) or the Checkmarx scan report JSON" in message


def test_other_json_names_its_top_level_keys(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile) as caught:
        parse_file(PARSER, corpus_dir / "zap/heimdall_zap2.7.0_webgoat.json")
    assert caught.value.source == "checkmarx"
    assert "top-level keys are @generated, @version, site; expected" in str(caught.value)


def _write(tmp_path: Path, data: Any, name: str = "report.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_json_without_results(tmp_path: Path) -> None:
    empty = {"reportId": "x", "reportHeader": {}, "scanResults": {"sast": None, "sca": None, "kics": None}}
    assert parse_file(PARSER, _write(tmp_path, empty)) == []
    with pytest.raises(InvalidFile, match=r"top-level keys are reportId, reportHeader; expected"):
        parse_file(PARSER, _write(tmp_path, {"reportId": "x", "reportHeader": {}}))
    cut = tmp_path / "cut.json"
    cut.write_text(json.dumps(empty)[:-10], encoding="utf-8")
    with pytest.raises(InvalidFile, match=r"invalid checkmarx file: truncated or malformed JSON"):
        parse_file(PARSER, cut)


def test_json_unread_engine_section_is_refused(corpus_dir: Path, tmp_path: Path) -> None:
    data = json.loads((corpus_dir / "checkmarx/multiple_findings.json").read_text(encoding="utf-8"))
    data["scanResults"]["containers"] = None  # empty sections are fine
    assert len(parse_file(PARSER, _write(tmp_path, data))) == 10
    data["scanResults"]["containers"] = {"packages": [{"name": "alpine", "vulnerabilities": [{}]}]}
    with pytest.raises(InvalidFile, match=r"scanResults.containers holds results of an engine this parser does not"):
        parse_file(PARSER, _write(tmp_path, data))


def test_json_huge_integers(corpus_dir: Path, tmp_path: Path) -> None:
    """Checkmarx One writes 64-bit unsigned query ids; yajl's float mode overflows on them."""
    data = json.loads((corpus_dir / "checkmarx/multiple_findings.json").read_text(encoding="utf-8"))
    query = data["scanResults"]["sast"]["languages"][0]["queries"][0]
    query["queryId"] = 9349880549689768000  # > 2**63 - 1
    query["vulnerabilities"][0]["similarityId"] = 123456789012345678901234567890
    query["vulnerabilities"][0]["confidenceLevel"] = 0.5
    path = _write(tmp_path, data)
    if ijson.backend == "yajl2_c":  # the failure this parser avoids
        with path.open("rb") as stream, pytest.raises(InvalidFile, match="integer overflow"):
            list(_json.iter_items(stream, "scanResults.sast", source="checkmarx"))
    findings = findings_of(parse_file(PARSER, path))
    sql = [f for f in findings if f.title == "SQL Injection"]
    assert {f.flaw_id for f in sql} == {"9349880549689768000"}
    fields = dict(sql[0].fields)
    assert fields["Similarity Id"] == "123456789012345678901234567890"
    assert fields["Confidence Level"] == "0.5"
    assert len(findings) == 10


def test_json_states_follow_the_xml_handling(corpus_dir: Path, tmp_path: Path) -> None:
    data = json.loads((corpus_dir / "checkmarx/multiple_findings.json").read_text(encoding="utf-8"))
    query = data["scanResults"]["sast"]["languages"][0]["queries"][0]
    query["vulnerabilities"][0]["state"] = "Not exploitable"
    query["vulnerabilities"][1]["state"] = "PROPOSED_NOT_EXPLOITABLE"
    findings = findings_of(parse_file(PARSER, _write(tmp_path, data)))
    first, second, third = findings[:3]
    assert ("Result State", "Not Exploitable") in first.fields
    assert ("False Positive", "True") in first.fields
    assert first.evidence[0].caption.endswith("(marked false positive in Checkmarx; state: Not Exploitable)")
    assert ("Result State", "Proposed Not Exploitable") in second.fields
    assert ("False Positive", "False") in second.fields
    assert "marked false positive" in second.evidence[0].caption
    assert ("Result State", "To Verify") in third.fields
    assert "marked false positive" not in third.evidence[0].caption


def test_json_key_order_does_not_matter(corpus_dir: Path, tmp_path: Path) -> None:
    """Parents' names written after their vulnerabilities still reach them."""
    path = corpus_dir / "checkmarx/sample_report.json"
    data = json.loads(path.read_text(encoding="utf-8"))

    def last(obj: dict[str, Any], *keys: str) -> dict[str, Any]:
        return {**{k: v for k, v in obj.items() if k not in keys}, **{k: obj[k] for k in keys}}

    results = data["scanResults"]
    results["sast"]["languages"] = [
        last({**lang, "queries": [last(q, "queryName", "queryId") for q in lang["queries"]]}, "languageName")
        for lang in results["sast"]["languages"]
    ]
    results["sca"]["packages"] = [last(p, "name") for p in results["sca"]["packages"]]
    results["kics"]["results"] = [last(g, "name") for g in results["kics"]["results"]]
    reordered = findings_of(parse_file(PARSER, _write(tmp_path, data)))
    assert reordered == findings_of(parse_file(PARSER, path))


def test_json_with_bom(corpus_dir: Path, tmp_path: Path) -> None:
    path = corpus_dir / "checkmarx/multiple_findings.json"
    bommed = tmp_path / "bom.json"
    bommed.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert PARSER.sniff(Sniff(bommed.read_bytes()[:HEAD_BYTES], bommed.name))
    assert parse_file(PARSER, bommed) == parse_file(PARSER, path)


def test_json_memory_is_flat(corpus_dir: Path, tmp_path: Path) -> None:
    source = corpus_dir / "checkmarx/sample_report.json"
    data = json.loads(source.read_text(encoding="utf-8"))
    results = data["scanResults"]
    for language in results["sast"]["languages"]:
        for query in language["queries"]:
            query["vulnerabilities"] *= 4
    results["sca"]["packages"] *= 4
    for group in results["kics"]["results"]:
        group["vulnerabilities"] *= 4
    big = _write(tmp_path, data, "big.json")
    small = _write(tmp_path, json.loads(source.read_text(encoding="utf-8")), "small.json")
    assert big.stat().st_size > 3.9 * small.stat().st_size

    small_count, small_peak = peak_parse_memory(PARSER, small)
    big_count, big_peak = peak_parse_memory(PARSER, big)
    assert (small_count, big_count) == (817, 4 * 817)
    # Growing with the file would mean ~4x, over 3 MB more; what grows here is CPython's bounded
    # free lists (0.5 MB for the real file, 0.9 MB at 4x, 1.3 MB at 16x, 1.6 MB at 32x when measured).
    assert big_peak - small_peak < 1024 * 1024, (small_peak, big_peak)
    assert big_peak < 4 * 1024 * 1024
