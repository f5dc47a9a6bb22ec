"""The Qualys parser (VM XML, WAS XML, Qualys CSV exports) against every real Qualys file in the corpus.

Real samples: corpus/qualys (ASSET_DATA_REPORT XML, scan-report and PCI CSVs), qualys_webapp
(WAS_SCAN_REPORT), qualys_infrascan_webgui (<SCAN>), qualys_vmdr (VMDR CSVs, which look
hand-made by DefectDojo contributors) and qualys_hacker_guardian (PCI CSV).

The files under tests/parsers/fixtures/qualys/ are HAND-MADE from the public format
descriptions, for the variants the corpus lacks: the API host detection list
(host_detection_list.xml), the WAS_WEBAPP_REPORT (was_webapp_report.xml), a <SCAN> whose CAT
elements carry ports (scan_with_ports.xml) and a scan-results CSV with Qualys's report
preamble and a repeated header row (scan_results_preamble.csv).

Counts are checked against the files themselves, read whole by the test with lxml or csv.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from scanlift.parsers.base import InvalidFile, ScanFinding, Severity, Sniff
from scanlift.parsers.qualys import QualysParser
from tests.parsers.records import assets_of, findings_of, parse_file, run_parser

PARSER = QualysParser()
FIXTURES = Path(__file__).parent / "fixtures" / "qualys"

ASSET_DATA_REPORTS = ["qualys/Qualys_Sample_Report.xml", "qualys/empty.xml"]
SCANS = [
    "qualys_infrascan_webgui/qualys_infrascan_webgui_0.xml",
    "qualys_infrascan_webgui/qualys_infrascan_webgui_1.xml",
    "qualys_infrascan_webgui/qualys_infrascan_webgui_3.xml",
    "qualys_infrascan_webgui/qualys_infrascan_webgui_multiple.xml",
]
WAS_REPORTS = [
    "qualys_webapp/discussion_10239.xml",
    "qualys_webapp/qualys_webapp_many_vuln.xml",
    "qualys_webapp/qualys_webapp_no_vuln.xml",
    "qualys_webapp/qualys_webapp_one_vuln.xml",
]
CSVS = [
    "qualys/Qualys_Sample_Report.csv",
    "qualys/empty.csv",
    "qualys/monthly_pci_issue6932.csv",
    "qualys_vmdr/many_vulns_cve.csv",
    "qualys_vmdr/many_vulns_qid.csv",
    "qualys_vmdr/no_vuln_cve.csv",
    "qualys_vmdr/no_vuln_no_metadata_cve.csv",
    "qualys_vmdr/no_vuln_qid.csv",
    "qualys_vmdr/one_vuln_cve.csv",
    "qualys_vmdr/one_vuln_no_metadata_cve.csv",
    "qualys_vmdr/one_vuln_qid.csv",
    "qualys_hacker_guardian/many_finding.csv",
    "qualys_hacker_guardian/one_finding.csv",
    "qualys_hacker_guardian/zero_finding.csv",
]
ALL_CORPUS = ASSET_DATA_REPORTS + SCANS + WAS_REPORTS + CSVS
FIXTURE_FILES = [
    "host_detection_list.xml",
    "was_webapp_report.xml",
    "scan_with_ports.xml",
    "scan_results_preamble.csv",
]

LEVELS = {
    "0": Severity.INFORMATIONAL,
    "1": Severity.INFORMATIONAL,
    "2": Severity.LOW,
    "3": Severity.MEDIUM,
    "4": Severity.HIGH,
    "5": Severity.CRITICAL,
}
CVE = re.compile(r"CVE-\d{4}-\d{4,}", re.IGNORECASE)


def _tree(path: Path) -> etree._ElementTree:
    return etree.parse(str(path))  # the test may hold a small file whole; the parser may not


def _cves_in(path: Path) -> set[str]:
    return {c.upper() for c in CVE.findall(path.read_text(encoding="utf-8", errors="replace"))}


def _parent_tag(element: etree._Element) -> str:
    parent = element.getparent()
    return str(parent.tag) if parent is not None else ""


def _parse_bytes(data: bytes) -> list[ScanFinding]:
    return findings_of(list(run_parser(PARSER, io.BytesIO(data))))


# --- detection -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_CORPUS)
def test_sniff_accepts_every_qualys_corpus_file(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / name
    assert PARSER.sniff(Sniff(path.read_bytes()[:65536], path.name))


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_sniff_accepts_the_hand_made_variants(name: str) -> None:
    assert PARSER.sniff(Sniff((FIXTURES / name).read_bytes()[:65536], name))


OTHER_TOOLS = sorted(
    p.name
    for p in (Path(__file__).resolve().parents[2].parent / "shared" / "corpus").iterdir()
    if p.is_dir() and not p.name.startswith("qualys")
)


@pytest.mark.parametrize("tool", OTHER_TOOLS)
def test_sniff_rejects_other_tools(corpus_dir: Path, tool: str) -> None:
    files = sorted(p for p in (corpus_dir / tool).iterdir() if p.is_file())
    assert files
    for path in files:
        assert not PARSER.sniff(Sniff(path.read_bytes()[:65536], path.name)), path


def test_sniff_needs_qualys_marks_on_a_scan_root() -> None:
    assert not PARSER.sniff(Sniff(b'<?xml version="1.0"?><SCAN><HOST/></SCAN>'))
    assert PARSER.sniff(Sniff(b'<?xml version="1.0"?><SCAN value="scan/1.2"><HEADER/></SCAN>'))


def test_wrong_xml_is_refused_with_the_root_it_found(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile) as caught:
        parse_file(PARSER, corpus_dir / "nessus" / "issue_6992.nessus")
    assert caught.value.source == "qualys"
    message = str(caught.value)
    assert "invalid qualys file" in message
    assert "<NessusClientData_v2>" in message
    assert "<ASSET_DATA_REPORT>" in message
    assert "<WAS_SCAN_REPORT>" in message


def test_wrong_csv_is_refused_with_its_first_line(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile) as caught:
        parse_file(PARSER, corpus_dir / "nessus" / "issue_11102.csv")
    assert caught.value.source == "qualys"
    assert "no Qualys CSV header" in caught.value.problem
    assert '"Plugin Name"' in caught.value.problem


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"<ASSET_DATA_REPORT><HOST_LIST>", "truncated"),
        (b"<?xml version='1.0'?>\n<foo/>", "root element is <foo>"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
    ],
)
def test_broken_files_are_refused(data: bytes, expected: str) -> None:
    with pytest.raises(InvalidFile, match=expected):
        _parse_bytes(data)


def test_entity_declarations_are_refused() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE SCAN [<!ENTITY x "boom">]>'
        b'<SCAN value="scan/1"><IP value="1.2.3.4">&x;</IP></SCAN>'
    )
    with pytest.raises(InvalidFile, match="entities"):
        _parse_bytes(data)


# --- VM: <ASSET_DATA_REPORT> ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ASSET_DATA_REPORTS)
def test_asset_data_report_one_sighting_per_vuln_info(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / name
    tree = _tree(path)
    infos = tree.findall("HOST_LIST/HOST/VULN_INFO_LIST/VULN_INFO")
    glossary = {d.findtext("QID"): d for d in tree.findall("GLOSSARY/VULN_DETAILS_LIST/VULN_DETAILS")}
    records = parse_file(PARSER, path)
    findings = findings_of(records)
    assert len(findings) == len(infos)
    assert {f.flaw_id for f in findings} == {i.findtext("QID") for i in infos}
    assert sorted(a.name for a in assets_of(records)) == sorted(h.findtext("IP", "") for h in tree.findall(".//HOST"))
    for finding in findings:
        entry = glossary[finding.flaw_id]
        assert finding.title == (entry.findtext("TITLE") or "").strip()
        assert finding.severity is LEVELS[(entry.findtext("SEVERITY") or "").strip()]
        assert ("minimal" in finding.tags) == ((entry.findtext("SEVERITY") or "").strip() == "1")
    # every (host, port, protocol) sighting is kept, not only one port per QID
    expected_ports = {
        (h.findtext("IP"), i.findtext("QID"), i.findtext("PORT"), i.findtext("PROTOCOL"))
        for h in tree.findall("HOST_LIST/HOST")
        for i in h.findall("VULN_INFO_LIST/VULN_INFO")
        if i.findtext("PORT")
    }
    parsed_ports = {(f.asset, f.flaw_id, f.port.number, f.port.protocol) for f in findings if f.port}
    assert parsed_ports == expected_ports


def test_asset_data_report_keeps_every_cve(corpus_dir: Path) -> None:
    path = corpus_dir / "qualys" / "Qualys_Sample_Report.xml"
    findings = findings_of(parse_file(PARSER, path))
    tree = _tree(path)
    # Every CVE written anywhere in the host list or in the glossary entry of a QID that was seen
    # (the glossary also lists QIDs no host has; those make no finding).
    seen = {i.findtext("QID") for i in tree.iter("VULN_INFO")}
    host_list = tree.find("HOST_LIST")
    assert host_list is not None
    parts = [etree.tostring(host_list).decode()]
    parts += [
        etree.tostring(d).decode()
        for d in tree.findall("GLOSSARY/VULN_DETAILS_LIST/VULN_DETAILS")
        if d.findtext("QID") in seen
    ]
    in_file = {c.upper() for c in CVE.findall("".join(parts))}
    assert len(in_file) > 40
    assert in_file <= {c for f in findings for c in f.cves}
    for details in tree.findall("GLOSSARY/VULN_DETAILS_LIST/VULN_DETAILS"):
        listed = {(i.text or "").strip().upper() for i in details.findall("CVE_ID_LIST/CVE_ID/ID")}
        for finding in (f for f in findings if f.flaw_id == details.findtext("QID")):
            assert listed <= set(finding.cves)


def test_asset_data_report_mapping_spot_checks(corpus_dir: Path) -> None:
    records = parse_file(PARSER, corpus_dir / "qualys" / "Qualys_Sample_Report.xml")
    findings = findings_of(records)
    ssh = next(f for f in findings if f.flaw_id == "38739" and f.asset == "64.41.200.243")
    assert ssh.title == "Deprecated SSH Cryptographic Settings"
    assert ssh.severity is Severity.LOW
    assert ssh.port is not None
    assert (ssh.port.number, ssh.port.protocol, ssh.port.service) == ("22", "tcp", "ssh")
    assert ssh.description.startswith("The SSH protocol (Secure Shell)")
    assert "man-in-the-middle attacker" in ssh.description  # IMPACT follows THREAT
    assert "Avoid using deprecated cryptographic settings." in ssh.recommendations
    assert "https://csrc.nist.gov/publications/detail/nistir/7966/final" in ssh.recommendations
    assert ssh.evidence[0].code.startswith("Type\tName\nkey exchange\tdiffie-hellman-group1-sha1")
    assert "status: New" in ssh.evidence[0].caption
    assert ("Qualys QID", "38739") in ssh.fields

    amd = next(f for f in findings if f.flaw_id == "370876")
    assert amd.severity is Severity.HIGH
    assert len(amd.cves) == 7
    assert {(s.kind, s.score, s.vector) for s in amd.scores} == {
        ("CVSS2", "9.3", "AV:N/AC:M/Au:N/C:C/I:C/A:C"),
        ("CVSS3", "9.0", "AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:H/A:H"),
    }
    assert ("CVSS Temporal Score", "7.9 (E:U/RL:U/RC:C)") in amd.fields
    assert any(r.startswith("https://community.amd.com/") for r in amd.references)

    dns = next(f for f in findings if f.flaw_id == "6")
    assert dns.severity is Severity.INFORMATIONAL
    assert dns.tags == ("minimal",)

    # a virtual host (FQDN on the detection) is named in the evidence caption
    vhost = next(f for f in findings if f.flaw_id == "45104")
    assert "virtual host: demo16.s02.sjc01.qualys.com" in vhost.evidence[0].caption

    win7 = next(a for a in assets_of(records) if a.name == "64.41.200.247")
    assert win7.netbios == "TRN-WIN7"
    assert win7.fqdn == "trn-win7.trn.qualys.com"
    assert win7.operating_system == "Windows 2008 R2/7"
    assert "Tracking method: NETBIOS" in win7.description
    assert any(p.number == "3389" for p in win7.ports)


def test_asset_data_report_severity_distribution(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(PARSER, corpus_dir / "qualys" / "Qualys_Sample_Report.xml"))
    counts = {level: sum(1 for f in findings if f.severity is level) for level in Severity}
    # PlexTrac's table (1 -> Informational … 5 -> Critical) over the glossary levels
    assert counts == {
        Severity.INFORMATIONAL: 177,
        Severity.LOW: 65,
        Severity.MEDIUM: 46,
        Severity.HIGH: 6,
        Severity.CRITICAL: 7,
    }


def test_qid_missing_from_the_glossary_still_yields_a_finding() -> None:
    data = b"""<?xml version="1.0"?>
<ASSET_DATA_REPORT><HOST_LIST><HOST><IP>10.0.0.1</IP>
<VULN_INFO_LIST>
<VULN_INFO><QID id="qid_1">1</QID><TYPE>Vuln</TYPE><PORT>80</PORT><PROTOCOL>tcp</PROTOCOL></VULN_INFO>
<VULN_INFO><QID id="qid_2">2</QID><TYPE>Vuln</TYPE><RESULT>out</RESULT></VULN_INFO>
</VULN_INFO_LIST></HOST></HOST_LIST>
<GLOSSARY><VULN_DETAILS_LIST><VULN_DETAILS id="qid_2"><QID id="qid_2">2</QID><TITLE>Two</TITLE>
<SEVERITY>4</SEVERITY></VULN_DETAILS></VULN_DETAILS_LIST></GLOSSARY></ASSET_DATA_REPORT>"""
    by_qid = {f.flaw_id: f for f in _parse_bytes(data)}
    assert by_qid["1"].title == "Qualys QID 1"
    assert by_qid["1"].evidence == ()  # no RESULT
    assert by_qid["1"].port is not None
    assert by_qid["1"].port.number == "80"
    assert (by_qid["2"].title, by_qid["2"].severity) == ("Two", Severity.HIGH)
    assert by_qid["2"].evidence[0].code == "out"


def _interleaved_report(hosts: int) -> bytes:
    """Each host sights QIDs 30, 4, 100 and 4 again (with the host in the RESULT); the glossary comes last."""
    sightings = "".join(
        f"<VULN_INFO><QID>{qid}</QID><TYPE>Vuln</TYPE><RESULT>{n}:{i} {'x' * 200}</RESULT></VULN_INFO>"
        for n in range(hosts)
        for i, qid in enumerate((30, 4, 100, 4))
    )
    glossary = "".join(
        f"<VULN_DETAILS><QID>{qid}</QID><TITLE>T{qid}</TITLE><SEVERITY>3</SEVERITY></VULN_DETAILS>" for qid in (4, 30)
    )
    return (
        f"<?xml version='1.0'?><ASSET_DATA_REPORT><HOST_LIST><HOST><IP>10.0.0.1</IP><VULN_INFO_LIST>{sightings}"
        f"</VULN_INFO_LIST></HOST></HOST_LIST><GLOSSARY><VULN_DETAILS_LIST>{glossary}</VULN_DETAILS_LIST>"
        "</GLOSSARY></ASSET_DATA_REPORT>"
    ).encode()


@pytest.mark.parametrize("hosts", [3, 3000])  # joined in memory; joined through sorted runs on disk
def test_asset_data_report_findings_come_qid_by_qid_in_file_order(hosts: int) -> None:
    findings = _parse_bytes(_interleaved_report(hosts))
    expected = sorted(
        ((str(qid), f"{n}:{i}") for n in range(hosts) for i, qid in enumerate((30, 4, 100, 4))),
        key=lambda pair: pair[0],  # QIDs in text order ("100" < "30" < "4"), stable within a QID
    )
    assert [(f.flaw_id, f.evidence[0].code.split()[0]) for f in findings] == expected
    assert {f.flaw_id: f.title for f in findings} == {"4": "T4", "30": "T30", "100": "Qualys QID 100"}


class _Tracked(io.BytesIO):
    """A stream that remembers how far it has been read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.high_water = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.high_water = self.tell()
        return chunk


def _synthetic_report(hosts: int) -> bytes:
    parts = [b"<?xml version='1.0'?><ASSET_DATA_REPORT><HOST_LIST>"]
    for n in range(hosts):
        parts.append(
            f"<HOST><IP>10.0.{n // 250}.{n % 250}</IP><VULN_INFO_LIST><VULN_INFO><QID>38739</QID>"
            f"<TYPE>Vuln</TYPE><PORT>22</PORT><PROTOCOL>tcp</PROTOCOL><RESULT>{'x' * 500}</RESULT>"
            "</VULN_INFO></VULN_INFO_LIST></HOST>".encode()
        )
    parts.append(
        b"</HOST_LIST><GLOSSARY><VULN_DETAILS_LIST><VULN_DETAILS><QID>38739</QID><TITLE>SSH</TITLE>"
        b"<SEVERITY>2</SEVERITY></VULN_DETAILS></VULN_DETAILS_LIST></GLOSSARY></ASSET_DATA_REPORT>"
    )
    return b"".join(parts)


def test_asset_data_report_is_read_as_a_stream() -> None:
    data = _synthetic_report(2000)
    stream = _Tracked(data)
    records: Iterator[object] = run_parser(PARSER, stream)
    first = next(iter(records))
    assert stream.high_water < len(data) // 2  # the first host came out long before the end
    rest = list(records)
    findings = [r for r in [first, *rest] if isinstance(r, ScanFinding)]
    assert len(findings) == 2000
    assert all(f.title == "SSH" and f.severity is Severity.LOW for f in findings)


# --- VM: <SCAN> ----------------------------------------------------------------------------------

_SCAN_ITEMS = ("VULN", "PRACTICE", "INFO", "SERVICE")


@pytest.mark.parametrize("name", [*SCANS, "fixture:scan_with_ports.xml"])
def test_scan_one_sighting_per_item(corpus_dir: Path, name: str) -> None:
    path = FIXTURES / name.removeprefix("fixture:") if name.startswith("fixture:") else corpus_dir / name
    tree = _tree(path)
    items = [e for e in tree.iter(*_SCAN_ITEMS) if _parent_tag(e) == "CAT"]
    records = parse_file(PARSER, path)
    findings = findings_of(records)
    assert len(findings) == len(items)
    assert {f.flaw_id for f in findings} == {i.get("number") for i in items}
    assert sorted(a.name for a in assets_of(records)) == sorted(ip.get("value", "") for ip in tree.findall("IP"))
    for finding, item in zip(findings, items, strict=True):  # the <SCAN> mapping keeps file order
        assert finding.flaw_id == item.get("number")
        assert finding.severity is LEVELS[item.get("severity", "")]
        assert finding.title == (item.findtext("TITLE") or "").strip()
    assert _cves_in(path) <= {c for f in findings for c in f.cves}


def test_scan_mapping_spot_checks(corpus_dir: Path) -> None:
    records = parse_file(PARSER, corpus_dir / "qualys_infrascan_webgui" / "qualys_infrascan_webgui_1.xml")
    (java,) = findings_of(records)
    assert java.flaw_id == "123168"
    assert java.title == "Oracle Java SE Critical Patch Update - January 2015"
    assert java.severity is Severity.CRITICAL
    assert len(java.cves) == 19
    assert {s.kind: s.score for s in java.scores} == {"CVSS2": "10", "CVSS3": "3.4"}
    assert java.description == "some diagnosis\n\nSome impact"
    assert java.recommendations == "some solution"
    assert java.evidence[0].code == "some output"
    assert "confirmed vulnerability" in java.evidence[0].caption
    (host,) = assets_of(records)
    assert (host.name, host.fqdn, host.operating_system) == ("10.1.10.1", "host1.example.com", "Ubuntu 11")

    no_dns = assets_of(parse_file(PARSER, corpus_dir / "qualys_infrascan_webgui" / "qualys_infrascan_webgui_3.xml"))
    assert no_dns[0].name == "10.1.10.1"
    assert no_dns[0].fqdn == ""
    assert no_dns[0].hostname == ""


def test_scan_keeps_every_port_of_a_qid() -> None:
    records = parse_file(PARSER, FIXTURES / "scan_with_ports.xml")
    sweet32 = [f for f in findings_of(records) if f.flaw_id == "38657"]
    assert sorted(f.port.number for f in sweet32 if f.port) == ["443", "8443"]
    on_443 = next(f for f in sweet32 if f.port and f.port.number == "443")
    assert "virtual host: shop.example.test" in on_443.evidence[0].caption
    assert set(on_443.cves) == {"CVE-2016-2183", "CVE-2016-6329"}  # the cveid attribute counts too
    (asset,) = assets_of(records)
    assert asset.netbios == "WWW"
    assert sorted(p.number for p in asset.ports) == ["443", "8443"]


# --- VM: host detection list (hand-made) ---------------------------------------------------------


def test_host_detection_list() -> None:
    path = FIXTURES / "host_detection_list.xml"
    tree = _tree(path)
    detections = tree.findall(".//DETECTION")
    records = parse_file(PARSER, path)
    findings = findings_of(records)
    assert len(findings) == len(detections)
    assert [f.flaw_id for f in findings] == [d.findtext("QID") for d in detections]
    assert [f.severity for f in findings] == [LEVELS[d.findtext("SEVERITY") or ""] for d in detections]
    cert = findings[0]
    assert cert.title == "Qualys QID 38170"
    assert cert.asset == "10.20.30.40"
    assert cert.port is not None
    assert cert.port.number == "443"
    assert cert.evidence[0].code.startswith("Certificate #0 CN=app01.corp.example")
    assert "SSL: yes" in cert.evidence[0].caption
    host = assets_of(records)[0]
    assert (host.hostname, host.fqdn, host.netbios) == ("app01", "app01.corp.example", "APP01")
    assert sorted(p.number for p in host.ports) == ["3389", "443"]
    assert findings[-1].tags == ("minimal",)


# --- WAS -----------------------------------------------------------------------------------------

_WAS_RESULTS = ("VULNERABILITY", "SENSITIVE_CONTENT", "INFORMATION_GATHERED")


@pytest.mark.parametrize("name", [*WAS_REPORTS, "fixture:was_webapp_report.xml"])
def test_was_one_sighting_per_result(corpus_dir: Path, name: str) -> None:
    path = FIXTURES / name.removeprefix("fixture:") if name.startswith("fixture:") else corpus_dir / name
    tree = _tree(path)
    results = [e for e in tree.iter(*_WAS_RESULTS) if _parent_tag(e) == f"{e.tag}_LIST"]
    glossary = {q.findtext("QID"): q for q in tree.findall("GLOSSARY/QID_LIST/QID")}
    findings = findings_of(parse_file(PARSER, path))
    assert len(findings) == len(results)
    assert {f.flaw_id for f in findings} == {r.findtext("QID") for r in results}
    assert sorted(f.location_url for f in findings) == sorted(r.findtext("URL") or "" for r in results)
    for finding in findings:
        entry = glossary[finding.flaw_id]
        assert finding.title == entry.findtext("TITLE")
        assert finding.severity is LEVELS[entry.findtext("SEVERITY") or ""]
        assert finding.asset  # information-gathered items land on the web application
    assert _cves_in(path) <= {c for f in findings for c in f.cves}


def test_was_request_response_and_parameter(corpus_dir: Path) -> None:
    records = parse_file(PARSER, corpus_dir / "qualys_webapp" / "discussion_10239.xml")
    (post,) = findings_of(records)
    assert post.flaw_id == "150085"
    assert post.title == "Slow HTTP POST vulnerability"
    assert post.severity is Severity.MEDIUM
    assert post.cwes == (772,)
    assert post.vulnerable_parameters == ("post_param",)
    assert post.location_url == "https://example.com/vulnerable-path"
    assert post.asset == "example.com"
    assert post.port is not None
    assert (post.port.number, post.port.service) == ("443", "https")
    payload = post.evidence[0].code
    assert payload.startswith(
        "Payload: post_param=malicious_code_here\n\nRequest:\nPOST https://example.com/vulnerable/path"
    )
    assert "Host: www.example.com" in payload
    assert "Response:\ncomment: \nResponse content-type: text/html" in payload  # base64 decoded
    assert payload.endswith("Evidence:\nmalicious_code_action_evidence")
    assert "form entry point: https://example.com/vulnerable/path" in post.evidence[0].caption
    assert post.evidence[-1].caption == "Access path"
    assert ("WASC", "WASC-10") in post.fields
    assert any(r.startswith("https://blog.qualys.com/") for r in post.references)
    (app,) = assets_of(records)
    assert (app.name, app.type) == ("services.example.com", "Application")


def test_was_information_gathered_is_decoded(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(PARSER, corpus_dir / "qualys_webapp" / "qualys_webapp_many_vuln.xml"))
    crawled = next(f for f in findings if f.flaw_id == "150009")
    assert crawled.asset == "store.example.com"
    assert crawled.evidence[0].code.startswith("Duration of crawl phase (seconds): 217.00")
    assert crawled.tags == ("minimal",)
    path_based = next(f for f in findings if f.flaw_id == "150004")
    assert path_based.severity is Severity.LOW
    assert path_based.cwes == (22,)
    assert "Original URL is: https://store.example.com/js/xdr/core/lang/xdr_en.json" in path_based.evidence[0].code


def test_was_webapp_report() -> None:
    records = parse_file(PARSER, FIXTURES / "was_webapp_report.xml")
    xss, dns = findings_of(records)
    assert (xss.flaw_id, xss.severity, xss.cwes) == ("150001", Severity.CRITICAL, (79, 80))
    assert {s.kind: s.score for s in xss.scores} == {"CVSS2": "4.3", "CVSS3": "6.1"}
    assert xss.port is not None
    assert xss.port.number == "8443"
    assert '<p>Results for "><script>alert(1)</script></p>' in xss.evidence[0].code
    assert dns.asset == "shop.example.test"
    assert "192.0.2.20 shop.example.test" in dns.evidence[0].code
    (app,) = assets_of(records)
    assert app.name == "shop.example.test"
    assert "Qualys web application: Example Shop" in app.description


# --- CSV -----------------------------------------------------------------------------------------


def _csv_rows(path: Path) -> list[dict[str, str]]:
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    start = next(
        i for i, line in enumerate(lines) if line.startswith(('"QID"', "QID", '"IP"', "IP", '"CVE"')) and "QID" in line
    )
    rows = list(csv.DictReader(io.StringIO("".join(lines[start:]))))
    return [r for r in rows if (r.get("QID") or "").strip() and r.get("QID") != "QID"]


@pytest.mark.parametrize("name", [*CSVS, "fixture:scan_results_preamble.csv"])
def test_csv_one_sighting_per_row(corpus_dir: Path, name: str) -> None:
    path = FIXTURES / name.removeprefix("fixture:") if name.startswith("fixture:") else corpus_dir / name
    rows = _csv_rows(path)
    records = parse_file(PARSER, path)
    findings = findings_of(records)
    assert len(findings) == len(rows)
    assert [f.flaw_id for f in findings] == [r["QID"] for r in rows]
    assert [f.title for f in findings] == [(r.get("Title") or r.get("VULN TITLE") or "").strip() for r in rows]
    for finding, row in zip(findings, rows, strict=True):
        level = row.get("Q_SEVERITY") or row.get("Severity") or ""
        assert finding.severity is LEVELS[level]
        ip = row.get("IP") or row.get("Asset IPV4") or row.get("Asset IPV6") or ""
        assert finding.asset == ip
        port = (row.get("Port") or row.get("PORT") or "").strip()
        assert (finding.port.number if finding.port else "") == ("" if port in ("", "0", "'-") else port)
    assert {a.name for a in assets_of(records)} == {
        r.get("IP") or r.get("Asset IPV4") or r.get("Asset IPV6") for r in rows
    }
    assert _cves_in(path) <= {c for f in findings for c in f.cves}


def test_csv_mapping_spot_checks(corpus_dir: Path) -> None:
    (log4j,) = findings_of(parse_file(PARSER, corpus_dir / "qualys_vmdr" / "one_vuln_cve.csv"))
    assert log4j.flaw_id == "730143"
    assert log4j.severity is Severity.CRITICAL
    assert log4j.cves == ("CVE-2021-44228",)
    assert log4j.port is not None
    assert (log4j.port.number, log4j.port.protocol) == ("8080", "tcp")
    assert log4j.evidence[0].code == "Log4j 2.14.1 detected"
    assert "status: ACTIVE" in log4j.evidence[0].caption
    assert {s.kind for s in log4j.scores} == {"CVSS2", "CVSS3_1"}

    (pci,) = findings_of(parse_file(PARSER, corpus_dir / "qualys" / "monthly_pci_issue6932.csv"))
    assert pci.severity is Severity.MEDIUM  # Q_SEVERITY 3, not the PCI rating
    assert ("PCI Severity", "Medium") in pci.fields
    assert pci.evidence[0].code.startswith("The web server did not respond for 4 consecutive HTTP requests.")

    guardian = findings_of(parse_file(PARSER, corpus_dir / "qualys_hacker_guardian" / "one_finding.csv"))
    assert sorted(f.port.number for f in guardian if f.port) == ["443", "80"]  # both ports kept
    assert all(f.tags == ("minimal",) for f in guardian)

    scan = findings_of(parse_file(PARSER, corpus_dir / "qualys" / "Qualys_Sample_Report.csv"))
    update = next(f for f in scan if f.flaw_id == "91762")
    assert len(update.cves) == 23
    assert Severity.CRITICAL is update.severity
    assert {(s.kind, s.score) for s in update.scores} == {("CVSS3", "9.9")}
    assert ("Category", "Windows") in update.fields


def test_csv_preamble_and_repeated_header_are_skipped() -> None:
    records = parse_file(PARSER, FIXTURES / "scan_results_preamble.csv")
    findings = findings_of(records)
    assert [f.flaw_id for f in findings] == ["38657", "38657", "6"]
    assert findings[0].evidence[0].code == "CIPHER\tGRADE\nDES-CBC3-SHA\tMEDIUM"
    assert findings[0].references == ("https://sweet32.info/",)
    assert {(s.kind, s.vector) for s in findings[0].scores} == {
        ("CVSS2", "AV:N/AC:L/Au:N/C:P/I:N/A:N"),
        ("CVSS3", "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"),
    }
    assets = assets_of(records)
    assert [a.name for a in assets] == ["192.0.2.10", "192.0.2.11"]
    assert sorted(p.number for p in assets[0].ports) == ["443", "8443"]
