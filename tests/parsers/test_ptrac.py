"""PlexTrac PTRAC JSON (source ``ptrac``).

There is no real PTRAC export in the corpus: ``fixtures/ptrac/report.ptrac`` is HAND-MADE following
the structure PlexTrac staff generate (plextrac-api-notes.md §4.7). Its variants (summary before
flaws_array, BOM, compact) are built here from it, and expected counts are derived from the
fixture with ``json.load`` in the test.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from scanlift.parsers._lib.ids import title_flaw_id
from scanlift.parsers.base import (
    Evidence,
    InvalidFile,
    Port,
    ScanAsset,
    ScanFinding,
    ScanRecord,
    Score,
    Severity,
    Sniff,
)
from scanlift.parsers.ptrac import PtracParser
from tests.parsers.records import assets_of, findings_of, parse_file, run_parser

FIXTURE = Path(__file__).parent / "fixtures" / "ptrac" / "report.ptrac"
PARSER = PtracParser()
CVE_RE = re.compile(r"CVE-\d{4}-\d{4,}", re.IGNORECASE)
LOG4SHELL_APP = "app.example.com"


def document() -> dict[str, Any]:
    with FIXTURE.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


def parse_bytes(data: bytes) -> list[ScanRecord]:
    return list(run_parser(PARSER, io.BytesIO(data)))


def parse_doc(doc: Any) -> list[ScanRecord]:
    return parse_bytes(json.dumps(doc).encode())


def variants() -> dict[str, bytes]:
    doc = document()
    summary_first = {key: doc[key] for key in ("summary", "client_info", "report_info", "evidence", "flaws_array")}
    return {
        "as-written": FIXTURE.read_bytes(),
        "compact": json.dumps(doc, separators=(",", ":")).encode(),
        "summary-first": json.dumps(summary_first).encode(),
        "bom": codecs.BOM_UTF8 + FIXTURE.read_bytes(),
    }


def expected_sightings(doc: dict[str, Any]) -> int:
    total = 0
    for flaw in doc["flaws_array"]:
        affected = flaw.get("affected_assets") or {}
        total += sum(max(1, len(a.get("ports") or {})) for a in affected.values()) or 1
    return total


def key(record: ScanRecord) -> tuple[Any, ...]:
    return (type(record).__name__, repr(record))


@pytest.mark.parametrize("variant", sorted(variants()))
def test_counts_match_the_file(variant: str) -> None:
    doc = document()
    records = parse_bytes(variants()[variant])
    found = findings_of(records)
    assert len(found) == expected_sightings(doc)
    assert {f.flaw_id for f in found} == {str(flaw["flaw_id"]) for flaw in doc["flaws_array"]}
    report_assets = {a["asset"] for a in doc["summary"]["ReportAssets"].values()}
    affected = {a["asset"] for flaw in doc["flaws_array"] for a in flaw["affected_assets"].values()}
    assert {a.name for a in assets_of(records)} == report_assets | affected
    assert {f.asset for f in found if f.asset} == affected


@pytest.mark.parametrize("variant", sorted(variants()))
def test_every_variant_gives_the_same_records(variant: str) -> None:
    baseline = Counter(key(r) for r in parse_file(PARSER, FIXTURE))
    assert Counter(key(r) for r in parse_bytes(variants()[variant])) == baseline


def test_every_cve_in_the_file_is_kept() -> None:
    in_file = {c.upper() for c in CVE_RE.findall(FIXTURE.read_text(encoding="utf-8"))}
    parsed = {c for f in findings_of(parse_file(PARSER, FIXTURE)) for c in f.cves}
    assert in_file == parsed == {"CVE-2021-44228", "CVE-2021-45046"}


def test_log4shell_spot_checks() -> None:
    records = parse_file(PARSER, FIXTURE)
    log4shell = [f for f in findings_of(records) if f.flaw_id == "45046"]
    assert [(f.asset, f.port.number if f.port else None) for f in log4shell] == [
        ("app.example.com", "443"),
        ("10.0.0.12", "8080"),
        ("10.0.0.12", "445"),
    ]
    app = log4shell[0]
    assert app.title == "Apache Log4j Remote Code Execution (Log4Shell)"
    assert app.severity is Severity.CRITICAL
    # Rich text becomes plain text.
    assert app.description == (
        "The application logs attacker-controlled input with a vulnerable Log4j 2.14.1.\n"
        "JNDI lookups such as ${jndi:ldap://x} are resolved."
    )
    assert app.recommendations == "Upgrade Log4j to 2.17.1 or later.\nRemove the JndiLookup class."
    assert app.references == (
        "https://logging.apache.org/log4j/2.x/security.html",
        "https://nvd.nist.gov/vuln/detail/CVE-2021-44228",
    )
    assert app.cves == ("CVE-2021-44228", "CVE-2021-45046")
    assert app.cwes == (502, 917)
    # fields.scores.cvss3 (with the CVSS:3.1/ prefix) and risk_score.CVSS3_1 (without) are one score.
    assert app.scores == (
        Score(kind="CVSS3_1", vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", score="10.0"),
        Score(kind="CVSS2", vector="AV:N/AC:M/Au:N/C:C/I:C/A:C", score="9.3"),
    )
    assert app.tags == ("log4j", "rce")
    assert app.fields == (("status", "Open"), ("Tested By", "J. Doe"))  # the empty Retest Status is dropped
    assert app.port == Port(number="443", protocol="tcp", service="https")
    assert app.location_url == "https://app.example.com/api/login"
    assert app.vulnerable_parameters == ("User-Agent", "X-Api-Version")
    assert app.evidence == (
        Evidence(
            caption="Request with JNDI payload",
            code="GET /api/login HTTP/1.1\nHost: app.example.com\nUser-Agent: ${jndi:ldap://oast.example/a}\n",
        ),
    )
    db_8080, db_445 = log4shell[1], log4shell[2]
    assert db_8080.evidence == (
        Evidence(caption="DNS callback", code="oast.example received a lookup from 10.0.0.12"),
        Evidence(caption="Affected asset notes", code="Confirmed with an out-of-band DNS callback."),
    )
    assert db_445.evidence == ()  # evidence rides on the asset's first sighting only


def test_other_findings() -> None:
    found = findings_of(parse_file(PARSER, FIXTURE))
    xss = next(f for f in found if f.title == "Reflected Cross-Site Scripting")
    assert xss.flaw_id == str(title_flaw_id("Reflected Cross-Site Scripting"))
    assert xss.severity is Severity.MEDIUM
    assert xss.description == "The q parameter of /search is reflected without encoding."
    assert xss.references == (
        "https://owasp.org/www-community/attacks/xss/",
        "https://cwe.mitre.org/data/definitions/79.html",
    )
    assert (xss.asset, xss.port, xss.location_url, xss.vulnerable_parameters) == (
        "app.example.com",
        None,
        "https://app.example.com/search?q=test",
        ("q",),
    )
    assert xss.evidence[0].code.endswith("<p>Results for <script>alert(1)</script></p>")  # verbatim
    assert xss.scores == (Score(kind="CVSS3_1", vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", score="6.1"),)

    banner = next(f for f in found if f.title == "Service Banner Disclosure")
    assert banner.asset is None
    assert banner.severity is Severity.INFORMATIONAL
    assert banner.scores == ()
    assert banner.evidence == (Evidence(caption="nmap -sV excerpt", code="443/tcp open  https  nginx 1.18.0"),)

    printer = next(f for f in found if f.title == "Default Credentials on Printer")
    assert printer.flaw_id == "88123"  # a string flaw_id in the file
    assert printer.severity is Severity.LOW
    assert printer.fields == (("status", "Closed"), ("subStatus", "Remediated"))
    assert printer.scores == ()  # risk_score CVSS3_1 overall 0 with no vector is the template's blank
    assert printer.cwes == (1392,)


def test_assets() -> None:
    records = parse_file(PARSER, FIXTURE)
    assets = assets_of(records)
    db = next(a for a in assets if a.name == "10.0.0.12")
    assert db == ScanAsset(
        name="10.0.0.12",
        ips=("10.0.0.12", "fe80::12"),
        hostname="db01",
        fqdn="db01.corp.local",
        netbios="DB01",
        mac="00:50:56:aa:bb:12",
        operating_system="Windows Server 2019",
        type="Server",
        ports=(
            Port(number="8080", protocol="tcp", service="http-alt"),
            Port(number="445", protocol="tcp", service="microsoft-ds"),
        ),
    )
    vpn = [a for a in assets if a.name == "vpn.example.com"]
    assert len(vpn) == 1  # only in summary.ReportAssets
    assert vpn[0].description == "Not affected by any finding"
    assert vpn[0].type == "Network Device"
    assert vpn[0].ports == (Port(number="443", protocol="tcp", service="https"),)


def test_severity_from_sev_and_bad_severity() -> None:
    doc = document()
    flaw = doc["flaws_array"][1]
    del flaw["severity"]  # sev 2 -> Medium
    assert findings_of(parse_doc(doc))[3].severity is Severity.MEDIUM
    flaw["severity"] = "Severe"
    with pytest.raises(InvalidFile, match=r"flaws_array item 2 \(flaw_id \d+\): severity 'Severe' is not one of"):
        parse_doc(doc)


def test_missing_title_is_invalid() -> None:
    doc = document()
    doc["flaws_array"][3]["title"] = ""
    with pytest.raises(InvalidFile, match=r"invalid ptrac file: flaws_array item 4 \(flaw_id 88123\) has no title"):
        parse_doc(doc)


def test_flaw_id_falls_back_to_id_then_title_hash() -> None:
    doc = {"report_info": {}, "flaws_array": [{"id": 7, "title": "A"}, {"title": "B", "severity": "high"}]}
    found = findings_of(parse_doc(doc))
    assert [(f.flaw_id, f.severity) for f in found] == [
        ("7", Severity.INFORMATIONAL),
        (title_flaw_id("B"), Severity.HIGH),
    ]


def test_empty_report() -> None:
    assert parse_doc({"report_info": {"name": "x"}, "flaws_array": [], "summary": {"ReportAssets": {}}}) == []


@pytest.mark.parametrize(
    "relative",
    [
        "zap/heimdall_zap2.7.0_webgoat.json",
        "burp_graphql/two_findings.json",
        "checkmarx_one/many_findings.json",
    ],
)
def test_other_json_is_invalid(corpus_dir: Path, relative: str) -> None:
    with pytest.raises(InvalidFile, match=r"invalid ptrac file: top-level keys are .*expected report_info and"):
        parse_file(PARSER, corpus_dir / relative)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"[1, 2]", "the top level is a list"),
        (b'{"report_info": {}, "flaws_array": {"a": 1}}', "flaws_array is an object, expected a list"),
        (b'{"report_info": {}, "flaws_array": [1]}', "flaws_array item 1 is int, expected an object"),
        (b'{"report_info": {}, "flaws_array": [{"title": "A"', "truncated or malformed JSON"),
        (b"<?xml version='1.0'?><x/>", "malformed JSON"),
    ],
)
def test_broken_files_are_invalid(data: bytes, message: str) -> None:
    with pytest.raises(InvalidFile, match=re.escape(message)):
        parse_bytes(data)


def test_sniff(corpus_dir: Path) -> None:
    for name, data in variants().items():
        assert PARSER.sniff(Sniff(data[: 64 * 1024], "report.ptrac")), name
    # report_info so large that flaws_array is beyond the head.
    big = b'{"report_info": {"name": "' + b"x" * 70_000 + b'"}, "flaws_array": []}'
    assert PARSER.sniff(Sniff(big[: 64 * 1024]))
    others = [
        "zap/heimdall_zap2.7.0_webgoat.json",
        "burp_graphql/two_findings.json",
        "checkmarx_one/many_findings.json",
        "invicti/invicti_many_findings.json",
        "veracode/static_findings_list_format.json",
        "nessus/nessus_many_vuln.xml",
        "nessus/nessus_many_vuln2-all.csv",
    ]
    for relative in others:
        assert not PARSER.sniff(Sniff((corpus_dir / relative).read_bytes()[: 64 * 1024], relative)), relative
    assert not PARSER.sniff(Sniff(b'{"report_info": {}, "findings": []}'))


class CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.consumed = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk


def test_parsing_streams() -> None:
    flaw = document()["flaws_array"][0]
    many = [{**flaw, "flaw_id": n, "id": n} for n in range(3_000)]
    data = json.dumps({"report_info": {}, "flaws_array": many, "summary": {"ReportAssets": {}}}).encode()
    stream = CountingStream(data)
    records = run_parser(PARSER, stream)
    assert isinstance(next(records), ScanAsset)
    assert stream.consumed < 200_000 < len(data)
    assert sum(1 for r in records if isinstance(r, ScanFinding)) == 3_000 * 3


def test_list_references_and_plain_text() -> None:
    doc = {
        "report_info": {},
        "flaws_array": [
            {
                "flaw_id": 1,
                "title": "A",
                "severity": "Info",
                "description": "Plain text with a literal a < b comparison.",
                "references": ["https://a.example/", "https://b.example/"],
            }
        ],
    }
    (finding,) = findings_of(parse_doc(doc))
    assert finding.references == ("https://a.example/", "https://b.example/")
    assert finding.description == "Plain text with a literal a < b comparison."
    assert finding.severity is Severity.INFORMATIONAL
