"""The Pentera JSON parser.

There is no real Pentera export in the corpus (the only public file, in dradis-pentera, is
synthetic). The fixtures under ``fixtures/pentera/`` are HAND-MADE for these tests and follow the
keys described in format-notes.md (Pentera section: ``meta``, ``hosts``, ``vulnerabilities``,
``Achievement``): ``handmade_hosts_first.json`` and ``handmade_vulnerabilities_first.json`` (the
same data with ``hosts`` after ``vulnerabilities``, to prove the host lookup does not depend on
key order).
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from scanlift.parsers._lib.sniff import HEAD_BYTES
from scanlift.parsers.base import InvalidFile, Port, ScanRecord, Severity, Sniff
from scanlift.parsers.pentera import PenteraParser
from tests.parsers.records import assets_of, findings_of, parse_file, run_parser, unseekable

PARSER = PenteraParser()
FIXTURES = Path(__file__).parent / "fixtures" / "pentera"
HANDMADE = ["handmade_hosts_first.json", "handmade_vulnerabilities_first.json"]
OTHER_TOOLS = [
    "nessus/issue_6992.nessus",
    "burp_api/example.json",
    "invicti/invicti_one_finding.json",
    "acunetix/acunetix360_one_finding.json",
    "checkmarx_one/checkmarx_one.json",
    "veracode/dynamic_embedded_format.json",
    "coreimpact/dradis_coreimpact_example.xml",
    "qualys/Qualys_Sample_Report.csv",
]
CVE_SUFFIX = re.compile(r"\s*\(CVE-[^)]*\)$")


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def _sniff(path: Path) -> bool:
    return PARSER.sniff(Sniff(head=path.read_bytes()[:HEAD_BYTES], filename=path.name))


@pytest.mark.parametrize("name", HANDMADE)
def test_one_sighting_per_vulnerability_and_one_asset_per_host(name: str) -> None:
    data = _load(name)
    records = parse_file(PARSER, FIXTURES / name)
    findings = findings_of(records)
    assert len(findings) == len(data["vulnerabilities"])
    assert len({f.flaw_id for f in findings}) == len({CVE_SUFFIX.sub("", v["name"]) for v in data["vulnerabilities"]})
    assert [a.name for a in assets_of(records)] == [h["ip"] for h in data["hosts"]]
    ip_of = {h["id"]: h["ip"] for h in data["hosts"]}
    for vulnerability, finding in zip(data["vulnerabilities"], findings, strict=True):
        if vulnerability["target_id"] in ip_of:
            assert finding.asset == ip_of[vulnerability["target_id"]]


@pytest.mark.parametrize("name", HANDMADE)
def test_every_cve_in_the_file_is_kept(name: str) -> None:
    text = (FIXTURES / name).read_text()
    in_file = {c.upper() for c in re.findall(r"CVE-\d{4}-\d{4,}", text, re.I)}
    assert in_file
    assert in_file <= {c for f in findings_of(parse_file(PARSER, FIXTURES / name)) for c in f.cves}


def test_mapping_of_one_vulnerability() -> None:
    findings = findings_of(parse_file(PARSER, FIXTURES / "handmade_hosts_first.json"))
    smb = findings[0]
    assert smb.title == "SMBv1 Enabled"  # the "(CVE-…)" suffix names the instance, not the type
    assert smb.flaw_id == findings[1].flaw_id  # same type on another host, with other CVEs
    assert smb.cves == ("CVE-2017-0144",)
    assert smb.severity is Severity.CRITICAL  # 8.1 is in Pentera's [7.5, 10] bucket
    assert smb.description == "SMB version 1 is enabled on the host."
    assert smb.recommendations == "Disable SMBv1 on all hosts."
    assert smb.asset == "10.0.0.5"
    assert smb.port == Port(number="445", protocol="tcp", service="smb")
    assert ("Pentera Severity Score", "8.1") in smb.fields
    assert ("Pentera Priority", "1") in smb.fields
    insight, record = smb.evidence
    assert insight.caption == "Pentera insight (Host: 10.0.0.5)"
    assert insight.code == "Pentera negotiated SMBv1 with 10.0.0.5:445 and received a valid response."
    assert "id: v-1" in record.code
    assert "creation_time: 1700000000000 (2023-11-14T22:13:20+00:00)" in record.code


def test_port_transport_comes_from_the_host_services() -> None:
    findings = findings_of(parse_file(PARSER, FIXTURES / "handmade_hosts_first.json"))
    snmp = next(f for f in findings if f.title == "SNMP Default Community")
    assert snmp.port == Port(number="161", protocol="udp", service="snmp")


def test_unknown_target_falls_back_to_found_on() -> None:
    findings = findings_of(parse_file(PARSER, FIXTURES / "handmade_hosts_first.json"))
    policy = next(f for f in findings if f.title == "Weak Password Policy")
    assert policy.asset == "10.0.0.9"
    assert policy.port is None


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0, Severity.INFORMATIONAL),
        (0.1, Severity.LOW),
        (2.4, Severity.LOW),
        (2.5, Severity.MEDIUM),
        (4.9, Severity.MEDIUM),
        (5.0, Severity.HIGH),
        (7.4, Severity.HIGH),
        (7.5, Severity.CRITICAL),
        (10, Severity.CRITICAL),
        ("High", Severity.HIGH),
        (42, Severity.INFORMATIONAL),  # out of range: not rated, the raw value stays in a field
    ],
)
def test_severity_buckets(score: Any, expected: Severity) -> None:
    data = {"hosts": [], "vulnerabilities": [{"name": "X", "severity": score}]}
    (finding,) = findings_of(list(run_parser(PARSER, io.BytesIO(json.dumps(data).encode()))))
    assert finding.severity is expected


def test_hosts_carry_their_details() -> None:
    first, second = assets_of(parse_file(PARSER, FIXTURES / "handmade_hosts_first.json"))
    assert (first.hostname, first.fqdn, first.netbios) == ("srv01", "srv01.corp.example.test", "SRV01")
    assert first.operating_system == "Windows Server 2019"
    # only open services are ports; 8008 is filtered
    assert {(p.number, p.protocol) for p in first.ports} == {("445", "tcp"), ("161", "udp")}
    assert "Domain: corp.example.test" in first.description
    assert second.ports == (Port(number="443", protocol="tcp", service="https"),)


def test_non_seekable_stream_is_read(tmp_path: Path) -> None:
    data = (FIXTURES / "handmade_vulnerabilities_first.json").read_bytes()
    records = list(run_parser(PARSER, unseekable(data)))
    assert [f.asset for f in findings_of(records)] == ["10.0.0.5", "10.0.0.6", "10.0.0.5"]


@pytest.mark.parametrize("name", HANDMADE)
def test_sniff_accepts_pentera_exports(name: str) -> None:
    assert _sniff(FIXTURES / name)


@pytest.mark.parametrize("other", OTHER_TOOLS)
def test_sniff_rejects_other_tools(corpus_dir: Path, other: str) -> None:
    assert not _sniff(corpus_dir / other)


def test_wrong_format_names_what_was_found(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile) as caught:
        parse_file(PARSER, corpus_dir / "invicti" / "invicti_one_finding.json")
    assert caught.value.source == "pentera"
    assert "missing top-level key(s) hosts, vulnerabilities" in str(caught.value)
    assert "top-level keys are " in str(caught.value)


def test_xml_is_refused(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile, match="not a JSON object"):
        parse_file(PARSER, corpus_dir / "nessus" / "issue_6992.nessus")


def test_missing_hosts_key_is_refused() -> None:
    data = json.dumps({"meta": {}, "vulnerabilities": [{"name": "X", "severity": 1}]}).encode()
    with pytest.raises(
        InvalidFile, match=r"missing top-level key\(s\) hosts; top-level keys are meta, vulnerabilities"
    ):
        list(run_parser(PARSER, io.BytesIO(data)))


def test_vulnerability_without_name_is_refused() -> None:
    data = json.dumps({"hosts": [], "vulnerabilities": [{"id": "1", "severity": 1}]}).encode()
    with pytest.raises(InvalidFile, match="vulnerabilities item 1 has no name"):
        list(run_parser(PARSER, io.BytesIO(data)))


def test_empty_export_has_no_findings() -> None:
    data = json.dumps({"meta": {}, "hosts": [], "vulnerabilities": [], "Achievement": []}).encode()
    assert list(run_parser(PARSER, io.BytesIO(data))) == []


def _big(with_hosts: bool) -> bytes:
    vulnerabilities = [
        {"id": f"v{i}", "name": f"Issue {i % 40}", "summary": "x" * 200, "severity": 3.0, "target_id": "h1",
         "found_on": "Host: 10.9.9.9"}
        for i in range(600)
    ]  # fmt: skip
    data: dict[str, Any] = {"meta": {}, "vulnerabilities": vulnerabilities}
    if with_hosts:
        data["hosts"] = [{"id": "h1", "ip": "10.9.9.9", "services": []}]
    return json.dumps(data).encode()


def test_hosts_after_a_large_vulnerabilities_array_are_found() -> None:
    data = _big(with_hosts=True)
    assert len(data) > HEAD_BYTES
    assert b'"hosts"' not in data[:HEAD_BYTES]
    assert PARSER.sniff(Sniff(head=data[:HEAD_BYTES]))
    records = list(run_parser(PARSER, io.BytesIO(data)))
    assert [a.name for a in assets_of(records)] == ["10.9.9.9"]
    findings = findings_of(records)
    assert len(findings) == 600
    assert len({f.flaw_id for f in findings}) == 40
    assert {f.asset for f in findings} == {"10.9.9.9"}


@pytest.mark.parametrize("bad_host", [False, True])
def test_a_missing_key_past_the_head_is_reported_before_any_record(bad_host: bool) -> None:
    hosts: list[Any] = [{"id": "h1", "ip": "10.9.9.9"}, *(["not a host"] if bad_host else [])]
    data = json.dumps({"hosts": hosts, "meta": {"pad": "x" * HEAD_BYTES}}).encode()
    records: list[ScanRecord] = []
    with pytest.raises(InvalidFile, match=r"missing top-level key\(s\) vulnerabilities"):
        records.extend(run_parser(PARSER, io.BytesIO(data)))
    assert records == []


def test_hosts_before_a_late_key_come_out_once_it_is_read() -> None:
    hosts = [{"id": f"h{i}", "ip": f"10.0.0.{i}"} for i in range(3)]
    data = json.dumps({"hosts": hosts, "meta": {"pad": "x" * HEAD_BYTES}, "vulnerabilities": []}).encode()
    assert [a.name for a in assets_of(list(run_parser(PARSER, io.BytesIO(data))))] == [
        "10.0.0.0",
        "10.0.0.1",
        "10.0.0.2",
    ]
    bad = json.dumps({"hosts": [hosts[0], 7], "meta": {"pad": "x" * HEAD_BYTES}, "vulnerabilities": []}).encode()
    records: list[ScanRecord] = []
    with pytest.raises(InvalidFile, match="hosts item 2 is a int"):
        records.extend(run_parser(PARSER, io.BytesIO(bad)))
    assert [r.name for r in assets_of(records)] == ["10.0.0.0"]


def test_large_file_without_hosts_is_refused() -> None:
    with pytest.raises(InvalidFile, match=r"missing top-level key\(s\) hosts"):
        list(run_parser(PARSER, io.BytesIO(_big(with_hosts=False))))
