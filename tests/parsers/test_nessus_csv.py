"""Nessus / Tenable CSV (part of source ``nessus``), over every real CSV in the corpus.

Counts are derived from each file in the test itself with ``csv.DictReader``; the CRLF + BOM and
blank-header variants are built in the test from real files and small inline text.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

import pytest

from scanlift.parsers.base import InvalidFile, Port, ScanAsset, ScanFinding, ScanRecord, Severity
from scanlift.parsers.nessus.csv import looks_like_nessus_csv, parse_nessus_csv

#: Every CSV of the two corpus folders (checked against the folders below).
CSV_FILES = [
    "nessus/issue_11102.csv",
    "nessus/issue_9612.csv",
    "nessus/nessus-template.csv",
    "nessus/nessus_many_vuln.csv",
    "nessus/nessus_many_vuln2-all.csv",
    "nessus/nessus_many_vuln2-default.csv",
    "nessus/nessus_new.csv",
    "nessus/tenable_many_vuln.csv",
    "nessus_was/nessus_was_many_vuln.csv",
    "nessus_was/nessus_was_no_vuln.csv",
    "nessus_was/nessus_was_one_vuln.csv",
]
CVE_RE = re.compile(r"CVE-\d{4}-\d{4,}", re.IGNORECASE)


def parse(data: bytes) -> list[ScanRecord]:
    return list(parse_nessus_csv(io.BytesIO(data)))


def parse_path(path: Path) -> list[ScanRecord]:
    with path.open("rb") as stream:
        return list(parse_nessus_csv(stream))


def findings(records: list[ScanRecord]) -> list[ScanFinding]:
    return [r for r in records if isinstance(r, ScanFinding)]


def assets(records: list[ScanRecord]) -> list[ScanAsset]:
    return [r for r in records if isinstance(r, ScanAsset)]


def dict_rows(path: Path) -> list[dict[str, str]]:
    """The file's non-blank rows, read the plain way."""
    text = path.read_text(encoding="utf-8-sig")
    delimiter = ";" if ";" in text.splitlines()[0] else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [row for row in reader if any((v or "").strip() for v in row.values())]


def plugin_of(row: dict[str, str]) -> str:
    return (row.get("Plugin ID") or row.get("Plugin") or row.get("definition.id") or "").strip()


def host_of(row: dict[str, str]) -> str:
    return (row.get("Host") or row.get("asset.name") or row.get("IP Address") or "").strip()


def by_id(records: list[ScanRecord], flaw_id: str) -> list[ScanFinding]:
    return [f for f in findings(records) if f.flaw_id == flaw_id]


def test_every_corpus_csv_is_covered(corpus_dir: Path) -> None:
    folders = ("nessus", "nessus_was")
    on_disk = {f"{folder}/{p.name}" for folder in folders for p in (corpus_dir / folder).glob("*.csv")}
    assert on_disk == set(CSV_FILES)


@pytest.mark.parametrize("name", CSV_FILES)
def test_counts_match_the_file(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / name
    rows = dict_rows(path)
    records = parse_path(path)
    found = findings(records)
    assert len(found) == len(rows)
    assert {f.flaw_id for f in found} == {plugin_of(r) for r in rows}
    assert {a.name for a in assets(records)} == {host_of(r) for r in rows}
    assert {f.asset for f in found} == {host_of(r) for r in rows}


@pytest.mark.parametrize("name", CSV_FILES)
def test_every_cve_in_the_file_is_kept(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / name
    in_file = {c.upper() for c in CVE_RE.findall(path.read_text(encoding="utf-8-sig"))}
    parsed = {c for f in findings(parse_path(path)) for c in f.cves}
    assert in_file <= parsed


@pytest.mark.parametrize("name", CSV_FILES)
def test_sniff_accepts_every_corpus_csv(corpus_dir: Path, name: str) -> None:
    assert looks_like_nessus_csv((corpus_dir / name).read_bytes()[: 64 * 1024])


@pytest.mark.parametrize(
    "relative",
    [
        "nessus/nessus_many_vuln.xml",
        "nessus/issue_6992.nessus",
        "openvas/many_vuln.csv",
        "qualys/Qualys_Sample_Report.csv",
        "qualys_vmdr/many_vulns_qid.csv",
        "veracode_sca/veracode_sca.csv",
        "qualys_hacker_guardian/many_finding.csv",
    ],
)
def test_sniff_rejects_other_files(corpus_dir: Path, relative: str) -> None:
    assert not looks_like_nessus_csv((corpus_dir / relative).read_bytes()[: 64 * 1024])


def test_sniff_rejects_the_offlinecsv_template() -> None:
    head = b"title,severity,status,description,recommendations,references,affected_assets,tags\n"
    assert not looks_like_nessus_csv(head)


def test_tenable_sc_spot_checks(corpus_dir: Path) -> None:
    records = parse_path(corpus_dir / "nessus/issue_11102.csv")
    first = by_id(records, "42873")[0]
    assert first.title == "SSL Medium Strength Cipher Suites Supported (SWEET32)"
    assert first.severity is Severity.HIGH  # the Severity column, not Risk Factor (Medium)
    assert first.asset == "1.2.3.4"
    assert first.port == Port(number="443", protocol="tcp")
    assert first.cves == ("CVE-2016-2183",)
    assert first.recommendations.startswith("Reconfigure the affected application")  # "Steps to Remediate"
    assert first.references == (
        "https://www.openssl.org/blog/blog/2016/08/24/sweet32/",
        "https://sweet32.info",
    )
    assert [(s.kind, s.score) for s in first.scores] == [("CVSS3", "7.5"), ("CVSS2", "5.0")]
    assert first.scores[0].vector == "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
    assert first.evidence[0].caption == "Plugin output (tcp/443)"
    assert "Medium Strength Ciphers" in first.evidence[0].code
    assert ("Risk Factor", "Medium") in first.fields
    assert ("Plugin Family", "General") in first.fields
    host = next(a for a in assets(records) if a.name == "1.2.3.4")
    assert host.ips == ("1.2.3.4",)
    assert host.mac == "fa:16:3e:e6:0b:98"
    # The same host comes back once more when a row shows it on a new port.
    ports = {p.number for a in assets(records) if a.name == "1.2.3.4" for p in a.ports}
    assert ports == {"443", "8443"}


def test_tenable_sc_plugin_text_and_xref_cwe(corpus_dir: Path) -> None:
    records = parse_path(corpus_dir / "nessus/nessus_many_vuln.csv")
    finding = by_id(records, "35291")[0]
    assert finding.evidence[0].code.startswith("Plugin Output:")  # the "Plugin Text" column, verbatim
    assert finding.cwes == (310,)  # "CERT #836068,CWE #310"
    assert finding.cves == ("CVE-2004-2761",)


def test_tenable_sc_netbios(corpus_dir: Path) -> None:
    records = parse_path(corpus_dir / "nessus/issue_9612.csv")
    host = next(a for a in assets(records) if a.name == "2.3.4.5")
    assert host.netbios == "WORKGROUP\\ECODARCHDB"
    assert by_id(records, "73756")[0].severity is Severity.CRITICAL


def test_nessus_dialect_spot_checks(corpus_dir: Path) -> None:
    records = parse_path(corpus_dir / "nessus/nessus_many_vuln2-all.csv")
    http = by_id(records, "10107")
    assert len(http) == 2
    assert {f.port.number for f in http if f.port} == {"80", "443"}
    assert http[0].severity is Severity.INFORMATIONAL  # Risk "None"
    assert http[0].evidence[0].code == "The remote web server type is :\n\nCowboy"
    assert by_id(records, "104743")[0].severity is Severity.MEDIUM
    traceroute = by_id(records, "10287")[0]
    assert traceroute.port is None  # port 0
    assert traceroute.evidence[0].caption == "Plugin output"
    timestamps = by_id(records, "25220")[0]
    assert timestamps.evidence == ()  # empty output cell
    assert ("Cross References", "IAVT:0001-T-0931") in http[0].fields


def test_nessus_template_with_cvss4_columns_and_description_cves(corpus_dir: Path) -> None:
    records = parse_path(corpus_dir / "nessus/nessus-template.csv")
    php = by_id(records, "200162")[0]
    assert php.severity is Severity.CRITICAL
    assert "CVE-2024-4577" in php.cves
    assert {"CVE-2024-1874", "CVE-2024-5458", "CVE-2024-5585"} <= set(php.cves)  # named in the description
    assert php.port == Port(number="8080", protocol="tcp")


def test_tenable_io_semicolon_dialect(corpus_dir: Path) -> None:
    records = parse_path(corpus_dir / "nessus/nessus_new.csv")
    cbc = by_id(records, "70658")[0]
    assert cbc.title == "SSH Server CBC Mode Ciphers Enabled"
    assert cbc.severity is Severity.LOW
    # The description sits under a blank header cell where definition.description belongs.
    assert "recover the plaintext message from the ciphertext" in cbc.description
    assert cbc.description.startswith("The SSH server is configured to use Cipher Block Chaining.")
    assert cbc.cves == ("CVE-2008-5161",)
    assert cbc.cwes == (200,)
    assert [(s.kind, s.vector) for s in cbc.scores] == [("CVSS2", "CVSS2#AV:N/AC:H/Au:N/C:P/I:N/A:N")]
    assert by_id(records, "33851")[0].scores[0].vector == "CVSS:3.0/AV:N/AC:H/PR:L/UI:N/S:U/C:N/I:L/A:N"
    assert cbc.evidence[0].caption == "Plugin output (tcp/22)"
    assert not any(label.startswith("Unnamed column") for label, _ in cbc.fields)
    # Severity is the instance's; the plugin default is kept as a field.
    java = by_id(records, "85127")[0]
    assert java.severity is Severity.LOW
    assert ("Plugin Severity", "Critical") in java.fields
    blah1 = next(a for a in assets(records) if a.name == "Blah1")
    assert blah1.ips == ("10.0.0.1", "fe80:0:0:0:20d:3aff:fe45:647f")
    assert blah1.mac == "00:0d:3a:45:64:7f"
    assert blah1.hostname == "Blah1"
    assert blah1.operating_system.startswith("Linux Kernel 4.18.0")


def test_tenable_io_cve_per_row_rows_fold_into_one_finding(corpus_dir: Path) -> None:
    records = parse_path(corpus_dir / "nessus/tenable_many_vuln.csv")
    mariadb = by_id(records, "176703")
    rows = [r for r in dict_rows(corpus_dir / "nessus/tenable_many_vuln.csv") if r["Plugin ID"] == "176703"]
    assert len(mariadb) == len(rows) == 10  # one row per (host, CVE), one sighting each
    assert all(row["CVE"] in f.cves for f, row in zip(mariadb, rows, strict=True))
    assert {c for f in mariadb for c in f.cves} >= {r["CVE"] for r in rows}
    assert mariadb[0].severity is Severity.HIGH  # Severity "3"
    host = next(a for a in assets(records) if a.name == "ip-127-0-0-1.us-west-2.compute.internal")
    assert host.ips == ("127.0.0.1",)
    assert host.fqdn == "ip-127-0-0-1.us-west-2.compute.internal"
    assert host.hostname == "ip-127-0-0-1"
    assert host.operating_system == "Linux Kernel 4.14.313-235.533.amzn2.x86_64 on Amazon Linux 2"
    assert ("CVSS3 Temporal Vector", "E:P/RL:O/RC:C") in mariadb[0].fields
    # The two blank header cells are empty in every row, so they add no field.
    assert not any(label.startswith("Unnamed column") for f in mariadb for label, _ in f.fields)


def test_nessus_was_csv(corpus_dir: Path) -> None:
    records = parse_path(corpus_dir / "nessus_was/nessus_was_many_vuln.csv")
    xss = by_id(records, "98104")[0]
    assert xss.title == "Cross-Site Scripting (XSS)"
    assert xss.severity is Severity.HIGH  # Risk "high"
    assert xss.asset == "google.com"
    assert xss.port is None
    assert [(s.kind, s.score) for s in xss.scores] == [("CVSS3", "7.1"), ("CVSS2", "7.5")]
    assert "http://google.com/search.jsp" in xss.evidence[0].code
    assert by_id(records, "112491")[0].severity is Severity.INFORMATIONAL  # Risk "info"
    assert [a.name for a in assets(records)] == ["google.com"]


def test_header_only_file_is_empty(corpus_dir: Path) -> None:
    assert parse_path(corpus_dir / "nessus_was/nessus_was_no_vuln.csv") == []


def test_crlf_and_bom_give_the_same_records(corpus_dir: Path) -> None:
    path = corpus_dir / "nessus/issue_11102.csv"
    plain = parse_path(path)
    converted = parse(codecs.BOM_UTF8 + path.read_bytes().replace(b"\n", b"\r\n"))
    assert assets(converted) == assets(plain)
    for got, expected in zip(findings(converted), findings(plain), strict=True):
        assert (got.flaw_id, got.title, got.severity, got.asset, got.port) == (
            expected.flaw_id,
            expected.title,
            expected.severity,
            expected.asset,
            expected.port,
        )
        assert (got.description, got.evidence, got.references) == (
            expected.description,
            expected.evidence,
            expected.references,
        )


def test_unnamed_columns_with_values_become_fields() -> None:
    data = b"Plugin ID,Name,,Risk,Host,Port,Protocol\r\n10107,HTTP Server Type,extra note,None,10.0.0.5,80,tcp\r\n"
    (asset, finding) = parse(data)
    assert isinstance(finding, ScanFinding)
    assert ("Unnamed column 3", "extra note") in finding.fields
    assert finding.severity is Severity.INFORMATIONAL
    assert asset == ScanAsset(name="10.0.0.5", ips=("10.0.0.5",), ports=(Port(number="80", protocol="tcp"),))


def test_repeated_host_rows_do_not_repeat_the_asset() -> None:
    data = b"Plugin ID,Name,Risk,Host,Port\n1,A,Low,h1,80\n2,B,Low,h1,80\n3,C,Low,h2,0\n4,D,Low,h1,443\n"
    records = parse(data)
    assert [(a.name, tuple(p.number for p in a.ports)) for a in assets(records)] == [
        ("h1", ("80",)),
        ("h2", ()),
        ("h1", ("443",)),
    ]
    assert len(findings(records)) == 4


def test_missing_columns_is_invalid(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile) as error:
        parse_path(corpus_dir / "openvas/many_vuln.csv")
    message = str(error.value)
    assert message.startswith("invalid nessus file: missing required columns")
    assert "'IP'" in message  # names what the header has instead


def test_xml_file_is_invalid(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile, match=r"invalid nessus file: missing required columns.*<\?xml"):
        parse_path(corpus_dir / "nessus/issue_6992.nessus")


def test_empty_and_binary_files_are_invalid() -> None:
    with pytest.raises(InvalidFile, match="no header row"):
        parse(b"")
    with pytest.raises(InvalidFile, match="not UTF-8"):
        parse(b"Plugin ID,Name,Host\xff\xfe\n")


def test_row_without_plugin_id_and_name_is_invalid() -> None:
    with pytest.raises(InvalidFile, match="data row 2 has neither a plugin id nor a plugin name"):
        parse(b"Plugin ID,Name,Host\n1,A,h1\n,,h2\n")


def test_unknown_severity_falls_back_to_risk_factor() -> None:
    data = b"Plugin ID,Name,Severity,Risk Factor,Host\n1,A,,High,h1\n2,B,,,h1\n"
    found = findings(parse(data))
    assert [f.severity for f in found] == [Severity.HIGH, Severity.INFORMATIONAL]


class CountingStream(io.BytesIO):
    """Counts how far the parser has read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.consumed = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk

    def readline(self, size: int | None = -1) -> bytes:
        line = super().readline(size)
        self.consumed += len(line)
        return line


def test_parsing_streams() -> None:
    rows = b"".join(b"%d,Plugin %d,Low,host%d,%d\n" % (i, i, i % 50, i % 1000) for i in range(60_000))
    stream = CountingStream(b"Plugin ID,Name,Risk,Host,Port\n" + rows)
    records = parse_nessus_csv(stream)
    first = next(records)
    assert isinstance(first, ScanAsset)
    assert stream.consumed < 100_000 < len(stream.getvalue())
    assert sum(1 for r in records if isinstance(r, ScanFinding)) == 60_000
