"""The Nessus v2 XML parser against every real .nessus file in the corpus."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from lxml import etree

from scanlift.parsers.base import InvalidFile, Severity, Sniff
from scanlift.parsers.nessus import NessusParser
from tests.parsers.records import assets_of, findings_of, parse_file, run_parser

NESSUS_XML = [
    "issue_6992.nessus",
    "nessus_many_vuln.xml",
    "nessus_v_unknown.xml",
    "nessus_with_cvssv3.nessus",
    "nessus_with_cwe-.nessus",
]
PARSER = NessusParser()


def _reference(path: Path) -> etree._ElementTree:
    return etree.parse(str(path))  # the test may hold a small file whole; the parser may not


@pytest.mark.parametrize("name", NESSUS_XML)
def test_one_finding_per_plugin_and_one_asset_per_host(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / "nessus" / name
    tree = _reference(path)
    items = tree.findall(".//ReportItem")
    records = parse_file(PARSER, path)
    findings = findings_of(records)
    assert len(findings) == len(items)
    assert {f.flaw_id for f in findings} == {i.get("pluginID") for i in items}
    assert sorted(a.name for a in assets_of(records)) == sorted(h.get("name") for h in tree.findall(".//ReportHost"))


@pytest.mark.parametrize("name", NESSUS_XML)
def test_every_cve_in_the_file_is_kept(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / "nessus" / name
    in_file = {c.upper() for c in re.findall(r"CVE-\d{4}-\d{4,}", path.read_text(errors="replace"), re.I)}
    records = parse_file(PARSER, path)
    parsed = {cve for f in findings_of(records) for cve in f.cves}
    # Host-level CVEs (Nessus's patch summary) have no finding; they stay on the asset.
    on_assets = {c.upper() for a in assets_of(records) for c in re.findall(r"CVE-\d{4}-\d{4,}", a.description)}
    assert in_file <= parsed | on_assets


def test_mapping_of_one_item(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(PARSER, corpus_dir / "nessus" / "nessus_v_unknown.xml"))
    nla = next(f for f in findings if f.flaw_id == "58453")
    assert nla.title == "Terminal Services Doesn't Use Network Level Authentication (NLA)"
    assert nla.severity is Severity.MEDIUM
    assert nla.port is not None
    assert (nla.port.number, nla.port.protocol, nla.port.service) == ("3389", "tcp", "msrdp")
    assert nla.description.startswith("The remote Terminal Services doesn't use Network Level Authentication")
    assert nla.recommendations
    assert ("Plugin Family", "Misc.") in nla.fields


def test_cvss_vectors_and_all_cwes_are_kept(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(PARSER, corpus_dir / "nessus" / "nessus_with_cvssv3.nessus"))
    with_v3 = [f for f in findings if any(s.kind == "CVSS3" for s in f.scores)]
    assert with_v3
    assert all(s.vector.startswith("CVSS:3") for f in with_v3 for s in f.scores if s.kind == "CVSS3" and s.vector)
    assert any(f.cwes for f in findings_of(parse_file(PARSER, corpus_dir / "nessus" / "nessus_with_cwe-.nessus")))


def test_assets_carry_host_properties_and_ports(corpus_dir: Path) -> None:
    assets = assets_of(parse_file(PARSER, corpus_dir / "nessus" / "nessus_v_unknown.xml"))
    assert all(a.ips for a in assets)
    assert any(a.operating_system for a in assets)
    assert any(a.ports for a in assets)
    assert all(p.number != "0" for a in assets for p in a.ports)


def test_plugin_output_becomes_evidence(corpus_dir: Path) -> None:
    findings = findings_of(parse_file(PARSER, corpus_dir / "nessus" / "nessus_v_unknown.xml"))
    with_output = [f for f in findings if f.evidence]
    assert with_output
    sample = next(f for f in with_output if f.port is not None)
    assert (
        sample.evidence[0].caption
        == f"Plugin output ({sample.port.protocol}/{sample.port.number}/{sample.port.service})"
    )


@pytest.mark.parametrize(
    ("severity", "risk_factor", "expected"),
    [
        ("0", "None", Severity.INFORMATIONAL),
        ("1", "Low", Severity.LOW),
        ("2", "Medium", Severity.MEDIUM),
        ("3", "High", Severity.HIGH),
        ("4", "Critical", Severity.CRITICAL),
        (None, "high", Severity.HIGH),  # WAS exports: no attribute, lower-case risk factor
        ("2", "Critical", Severity.MEDIUM),  # the attribute is what Nessus shows; it wins
    ],
)
def test_severity_rule(severity: str | None, risk_factor: str, expected: Severity) -> None:
    attribute = f' severity="{severity}"' if severity is not None else ""
    document = (
        f'<NessusClientData_v2><Report name="r"><ReportHost name="h"><HostProperties/>'
        f'<ReportItem port="0" svc_name="general" protocol="tcp"{attribute} pluginID="1" pluginName="p">'
        f"<risk_factor>{risk_factor}</risk_factor></ReportItem></ReportHost></Report></NessusClientData_v2>"
    ).encode()
    (finding,) = findings_of(list(run_parser(PARSER, io.BytesIO(document))))
    assert finding.severity is expected


def test_wrong_root_names_what_was_found() -> None:
    with pytest.raises(
        InvalidFile, match=r"invalid nessus file: root element is <issues>, expected <NessusClientData_v2>"
    ):
        list(run_parser(PARSER, io.BytesIO(b"<issues><issue/></issues>")))


def test_sniff(corpus_dir: Path) -> None:
    for name in NESSUS_XML:
        assert PARSER.sniff(Sniff((corpus_dir / "nessus" / name).read_bytes()[:65536]))
    assert not PARSER.sniff(Sniff((corpus_dir / "burp" / "one_finding.xml").read_bytes()[:65536]))
    assert not PARSER.sniff(Sniff(b"Plugin ID,CVE,Risk\n1,,None\n"))
