"""The Nodeware JSON parser.

No real Nodeware export is public; PlexTrac's Nodeware page documents only JSON with ``title`` →
Title and ``severity`` → Severity (ID added on import). ``fixtures/nodeware/handmade_findings.json``
is HAND-MADE for these tests: an array of objects with those two keys, plus a few invented extra
keys to prove that nothing else in an item is dropped.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib.sniff import HEAD_BYTES
from scanlift.parsers.base import InvalidFile, Severity, Sniff
from scanlift.parsers.nodeware import NodewareParser
from tests.parsers.records import assets_of, findings_of, parse_file, run_parser

PARSER = NodewareParser()
HANDMADE = Path(__file__).parent / "fixtures" / "nodeware" / "handmade_findings.json"
OTHER_TOOLS = [
    "nessus/issue_6992.nessus",
    "invicti/invicti_one_finding.json",
    "acunetix/acunetix360_one_finding.json",
    "checkmarx_one/checkmarx_one.json",
    "burp_api/example.json",
    "qualys/Qualys_Sample_Report.csv",
]


def test_one_finding_per_item_with_the_title_hash_as_id() -> None:
    items = json.loads(HANDMADE.read_text())
    records = parse_file(PARSER, HANDMADE)
    findings = findings_of(records)
    assert assets_of(records) == []
    assert len(findings) == len(items)
    assert [f.title for f in findings] == [i["title"] for i in items]
    assert [f.flaw_id for f in findings] == [_ids.title_flaw_id(i["title"]) for i in items]
    assert len({f.flaw_id for f in findings}) == len({i["title"] for i in items})
    assert all(f.asset is None for f in findings)


def test_every_cve_in_the_file_is_kept() -> None:
    in_file = {c.upper() for c in re.findall(r"CVE-\d{4}-\d{4,}", HANDMADE.read_text(), re.I)}
    assert in_file == {"CVE-2023-28531", "CVE-2023-38408"}
    assert in_file <= {c for f in findings_of(parse_file(PARSER, HANDMADE)) for c in f.cves}


def test_severity_words_and_extra_keys() -> None:
    findings = findings_of(parse_file(PARSER, HANDMADE))
    assert [f.severity for f in findings] == [
        Severity.HIGH,
        Severity.HIGH,
        Severity.MEDIUM,
        Severity.LOW,
        Severity.INFORMATIONAL,
    ]
    assert ("cve", "CVE-2023-28531") in findings[0].fields
    assert ("risk_modification", '{"type": "Accepted Risk", "note": "lab device"}') in findings[4].fields
    assert findings[2].fields == ()


def test_sniff_never_claims_a_file(corpus_dir: Path) -> None:
    # title + severity objects are too generic to recognise Nodeware safely.
    assert not PARSER.sniff(Sniff(head=HANDMADE.read_bytes()[:HEAD_BYTES]))
    for other in OTHER_TOOLS:
        path = corpus_dir / other
        assert not PARSER.sniff(Sniff(head=path.read_bytes()[:HEAD_BYTES], filename=path.name))


def test_object_wrapper_is_refused_with_its_keys(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile) as caught:
        parse_file(PARSER, corpus_dir / "invicti" / "invicti_one_finding.json")
    message = str(caught.value)
    assert caught.value.source == "nodeware"
    assert "the top level is a JSON object with keys" in message
    assert "expected a JSON array of finding objects with title and severity" in message


def test_xml_is_refused(corpus_dir: Path) -> None:
    with pytest.raises(InvalidFile, match="the file is not JSON"):
        parse_file(PARSER, corpus_dir / "nessus" / "issue_6992.nessus")


def test_missing_documented_keys_are_listed() -> None:
    data = b'[{"title": "A", "severity": "Low"}, {"name": "B", "risk": "High"}]'
    with pytest.raises(
        InvalidFile, match=r"item 2 is missing required key\(s\) title, severity \(its keys are name, risk\)"
    ):
        list(run_parser(PARSER, io.BytesIO(data)))


def test_unknown_severity_is_refused_not_guessed() -> None:
    with pytest.raises(InvalidFile, match="item 1 has severity 7, expected one of Critical"):
        list(run_parser(PARSER, io.BytesIO(b'[{"title": "A", "severity": 7}]')))


def test_empty_array_and_empty_file() -> None:
    assert list(run_parser(PARSER, io.BytesIO(b"[]"))) == []
    with pytest.raises(InvalidFile, match="the file is empty"):
        list(run_parser(PARSER, io.BytesIO(b"")))
