"""Every record is checked against the same bounds in the runner, whatever its format."""

from __future__ import annotations

import io

import pytest

from scanlift.parsers import bounds
from scanlift.parsers.base import InvalidFile, Port, ScanAsset, ScanFinding, Severity
from scanlift.parsers.runner import parse_stream


def _nessus(port: str = "443", title: str = "T", output: str = "o") -> bytes:
    return (
        '<NessusClientData_v2><Report name="r"><ReportHost name="10.0.0.1">'
        f'<ReportItem port="{port}" svc_name="www" protocol="tcp" severity="2" pluginID="1" pluginName="{title}">'
        f"<plugin_output>{output}</plugin_output></ReportItem></ReportHost></Report></NessusClientData_v2>"
    ).encode()


def _records(data: bytes) -> list[object]:
    return list(parse_stream(io.BytesIO(data), source="nessus"))


@pytest.mark.parametrize("port", ["7" * 5000, "70000", "-1", "\uff18\uff10"])
def test_a_port_that_is_no_port_number_ends_the_import(port: str) -> None:
    with pytest.raises(InvalidFile, match=r"invalid nessus file: port '.*' is not a port number \(0-65535\)"):
        _records(_nessus(port=port))


def test_overlong_text_is_cut_with_a_visible_marker() -> None:
    (finding,) = [r for r in _records(_nessus(title="T" * 5000)) if isinstance(r, ScanFinding)]
    assert len(finding.title) == bounds.MAX_TITLE_CHARS
    assert finding.title.endswith("more characters]")


def test_an_overlong_identity_is_refused_rather_than_cut() -> None:
    finding = ScanFinding(flaw_id="x" * 300, title="t", severity=Severity.LOW)
    with pytest.raises(InvalidFile, match="a finding id is 300 characters long; the limit is 256"):
        list(bounds.bounded(iter([finding]), "nessus"))
    asset = ScanAsset(name="a" * 2000)
    with pytest.raises(InvalidFile, match="an asset name is 2000 characters long"):
        list(bounds.bounded(iter([asset]), "nessus"))


def test_records_within_bounds_pass_unchanged_and_uncopied() -> None:
    finding = ScanFinding(flaw_id="1", title="t", severity=Severity.LOW, port=Port(number="443"))
    asset = ScanAsset(name="h", ports=(Port(number="22"),))
    assert [r is o for r, o in zip(bounds.bounded(iter([finding, asset]), "x"), [finding, asset], strict=True)] == [
        True,
        True,
    ]
