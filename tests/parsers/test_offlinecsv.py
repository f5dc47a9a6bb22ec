"""PlexTrac CSV findings template (source ``offlinecsv``).

There is no real sample: the fixtures under ``fixtures/offlinecsv/`` are HAND-MADE from the public
column list (plextrac-api-notes.md §3.8). Expected counts are derived from each fixture with
``csv.DictReader`` in the test.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from scanlift.parsers._lib.ids import title_flaw_id
from scanlift.parsers.base import InvalidFile, ScanFinding, ScanRecord, Severity, Sniff
from scanlift.parsers.offlinecsv import OfflineCsvParser
from tests.parsers.records import assets_of, findings_of, parse_file, run_parser

FIXTURES = Path(__file__).parent / "fixtures" / "offlinecsv"
VALID = [FIXTURES / "template.csv", FIXTURES / "excel_crlf_bom.csv"]
PARSER = OfflineCsvParser()
CVE_RE = re.compile(r"CVE-\d{4}-\d{4,}", re.IGNORECASE)
HEADER = "title,severity,status,description,recommendations,references,affected_assets,tags," + (
    "cvss_temporal,cwe,cve,category"
)


def parse_text(text: str) -> list[ScanRecord]:
    return list(run_parser(PARSER, io.BytesIO(text.encode("utf-8"))))


def dict_rows(path: Path) -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8-sig")
    return [r for r in csv.DictReader(io.StringIO(text, newline="")) if any(v.strip() for v in r.values())]


def names(cell: str) -> list[str]:
    return list(dict.fromkeys(n.strip() for n in cell.split(",") if n.strip()))


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_counts_match_the_file(path: Path) -> None:
    rows = dict_rows(path)
    found = findings_of(parse_file(PARSER, path))
    assert assets_of(parse_file(PARSER, path)) == []  # assets are referenced by name only
    assert len(found) == sum(max(1, len(names(r["affected_assets"]))) for r in rows)
    assert {f.flaw_id for f in found} == {title_flaw_id(r["title"]) for r in rows}
    assert {f.asset for f in found if f.asset} == {n for r in rows for n in names(r["affected_assets"])}


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_every_cve_in_the_file_is_kept(path: Path) -> None:
    in_file = {c.upper() for c in CVE_RE.findall(path.read_text(encoding="utf-8-sig"))}
    in_cve_column = {c.strip().upper() for r in dict_rows(path) for c in r["cve"].split(",") if c.strip()}
    parsed = {c for f in findings_of(parse_file(PARSER, path)) for c in f.cves}
    assert in_cve_column <= parsed
    # CVEs named only in prose (not in the cve column) are not claimed by the finding.
    assert parsed == in_cve_column <= in_file


def test_template_spot_checks() -> None:
    found = findings_of(parse_file(PARSER, FIXTURES / "template.csv"))
    sqli = [f for f in found if f.title == "SQL Injection in Login Form"]
    assert [f.asset for f in sqli] == ["app.example.com", "10.0.0.12"]
    first = sqli[0]
    assert first.flaw_id == title_flaw_id("SQL Injection in Login Form")
    assert first.severity is Severity.CRITICAL
    assert first.description == (
        "The username parameter of /login is concatenated into a SQL query.\n\nAn attacker can dump the users table."
    )
    assert first.recommendations == "Use parameterised queries.\nValidate input server-side."
    assert first.references == (
        "https://owasp.org/www-community/attacks/SQL_Injection",
        "https://cwe.mitre.org/data/definitions/89.html",
    )
    assert first.cwes == (89,)
    assert first.tags == ("web",)
    assert dict(first.fields) == {
        "status": "Open",
        "CVSS Temporal": "8.9",
        "Category": "Web Application",
        "Tested By": "J. Doe",
        "serpico_id": "17",
    }
    assert first.port is None
    assert first.evidence == ()

    openssl = [f for f in found if f.title == "Outdated OpenSSL"]
    assert [f.asset for f in openssl] == ["10.0.0.12", "10.0.0.13"]  # repeated name is one sighting
    assert openssl[0].severity is Severity.HIGH  # "high"
    assert ("status", "In Process") in openssl[0].fields
    assert openssl[0].cves == ("CVE-2014-0160", "CVE-2014-0224")
    assert openssl[0].cwes == (119, 200)
    assert openssl[0].tags == ("network", "patching")
    assert openssl[0].references == (
        "https://www.openssl.org/news/vulnerabilities.html",
        "https://heartbleed.com/",
    )
    assert ("serpico_id", "") not in openssl[0].fields  # empty extra cells add nothing

    headers = next(f for f in found if f.title == "Missing Security Headers")
    assert headers.asset is None
    assert headers.severity is Severity.INFORMATIONAL  # empty severity
    assert ("status", "Open") in headers.fields  # empty status

    printer = next(f for f in found if f.title == "Default Credentials on Printer")
    assert printer.severity is Severity.MEDIUM
    assert ("status", "Closed") in printer.fields
    assert printer.cwes == (1392,)


def test_excel_bom_and_crlf() -> None:
    found = findings_of(parse_file(PARSER, FIXTURES / "excel_crlf_bom.csv"))
    assert [f.title for f in found] == ["Weak TLS Ciphers", "Verbose Errors"]
    assert found[0].description == "Server accepts 3DES.\nSee SWEET32."
    assert found[0].cves == ("CVE-2016-2183",)
    assert found[1].severity is Severity.INFORMATIONAL  # "informational"


def test_header_names_are_matched_loosely_and_in_any_order() -> None:
    text = "Description,Title,Severity,Affected Assets,CVE\nSomething is wrong.,Thing,LOW,host-a,CVE-2020-0001\n"
    (finding,) = findings_of(parse_text(text))
    assert (finding.title, finding.severity, finding.asset, finding.cves) == (
        "Thing",
        Severity.LOW,
        "host-a",
        ("CVE-2020-0001",),
    )


def test_invalid_severity_names_the_row() -> None:
    with pytest.raises(InvalidFile) as error:
        parse_file(PARSER, FIXTURES / "bad_severity.csv")
    assert str(error.value) == (
        "invalid offlinecsv file: data row 2 ('Clickjacking'): severity 'Severe' is not one of "
        "Informational, Low, Medium, High, Critical"
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (",High,Open,desc,,,,,,,,", "data row 1: the title is empty"),
        ("T,High,Open,,,,,,,,,", "data row 1 ('T'): the description is empty"),
        (
            "T,High,Done,desc,,,,,,,,",
            "data row 1 ('T'): status 'Done' is not one of Open, Closed, In Process",
        ),
        ("T,High,Open,desc,,,,,,abc,,", "data row 1 ('T'): cwe 'abc' is not a CWE number"),
        ("T,High,Open,desc,,,,,,,CVE-22,", "data row 1 ('T'): cve 'CVE-22' is not a CVE id"),
    ],
)
def test_bad_cells_are_errors_naming_the_row(row: str, message: str) -> None:
    with pytest.raises(InvalidFile, match=re.escape(message)):
        parse_text(f"{HEADER}\n{row}\n")


def test_status_in_process_tolerates_spacing_and_case() -> None:
    (finding,) = findings_of(parse_text(f"{HEADER}\nT,low,in  process,desc,,,,,,,,\n"))
    assert ("status", "In Process") in finding.fields


def test_header_only_file_is_empty() -> None:
    assert parse_text(HEADER + "\n") == []


def test_wrong_format_is_invalid(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile) as error:
        parse_file(PARSER, corpus_dir / "nessus/nessus_many_vuln2-all.csv")
    message = str(error.value)
    assert message.startswith("invalid offlinecsv file: missing required columns: title, severity")
    assert "'Plugin ID'" in message


def test_sniff(corpus_dir: Path) -> None:
    for path in [*VALID, FIXTURES / "bad_severity.csv"]:
        assert PARSER.sniff(Sniff(path.read_bytes()[: 64 * 1024], path.name))
    others = [
        "nessus/nessus_many_vuln2-all.csv",
        "nessus/issue_11102.csv",
        "nessus/nessus_many_vuln.xml",
        "openvas/many_vuln.csv",
        "qualys_vmdr/many_vulns_qid.csv",
        "veracode_sca/veracode_sca.csv",
        "qualys_hacker_guardian/many_finding.csv",
    ]
    for relative in others:
        assert not PARSER.sniff(Sniff((corpus_dir / relative).read_bytes()[: 64 * 1024], relative)), relative
    # A generic findings CSV with only title/severity/description is not claimed.
    assert not PARSER.sniff(Sniff(b"title,severity,description,date\n"))


def test_one_record_per_asset_share_everything_but_the_asset() -> None:
    records = parse_text(f'{HEADER}\nT,Low,Open,desc,fix,,"a, b, c",x,,,,\n')
    found = [r for r in records if isinstance(r, ScanFinding)]
    assert [f.asset for f in found] == ["a", "b", "c"]
    assert len({(f.flaw_id, f.title, f.description, f.fields, f.tags) for f in found}) == 1
