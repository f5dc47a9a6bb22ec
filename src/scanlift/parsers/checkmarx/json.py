"""Checkmarx scan report JSON (Checkmarx One / AST report service), read for the ``checkmarx`` source.

The document (see docs/sources.md (checkmarx)) is ``{"reportId", "reportHeader", "executiveSummary",
"scanSummary", "scanResults"}``; ``scanResults`` holds one section per engine:

- ``sast.languages[].queries[].vulnerabilities[]``: one data-flow result of a query, with ``nodes``;
- ``sca.packages[].vulnerabilities[]``: one vulnerability (CVE or Checkmarx ``Cx…`` id) of a package;
- ``kics.results[].vulnerabilities[]``: one infrastructure-as-code result, grouped by platform.

Mapping, kept consistent with the CxSAST XML mapping in ``checkmarx.py``: each vulnerability is one
sighting. SAST: ``flaw_id`` is the ``queryId`` (the XML's ``Query@id``), or, when the export leaves
it empty as real exports do, the title hash the XML uses for a query without id; title is
``queryName`` with ``_`` turned into spaces; the asset is the first node's file (the XML's
``Result@FileName``) and ``location_url`` its ``file:line``; evidence is the node path; tags are the
``compliance`` list plus ``groupName`` (the XML's categories plus group). SCA: ``flaw_id`` and title
are the package vulnerability id (``cveId``); the asset is the package (``name``, e.g.
``Npm-jquery-2.1.4``). KICS: ``flaw_id`` is the query id when present, else the title hash of
``queryName``; the asset is ``fileName``. States are written as the XML parser writes them, and
results marked not exploitable are kept and flagged, as for XML.

Streaming: the items sit three levels deep and need their parents' names (language, query,
package, platform), which one ``ijson.items`` prefix cannot give; this module walks ijson's event
stream, remembers the scalar members of the open parents, and builds one vulnerability object at a
time. If a parent's name only comes after its vulnerabilities (no known exporter does that), the
vulnerabilities wait until the name arrives or the parent ends. Numbers are read without
``use_float``: the yajl backend overflows on integers beyond 64 bits under ``use_float=True``
(Checkmarx One writes 64-bit unsigned query ids), while the default mode returns them exactly.
"""

from __future__ import annotations

import codecs
from collections import deque
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from scanlift.parsers._lib import json as _json
from scanlift.parsers._lib.json import build_value, json_events, value_text
from scanlift.parsers.base import InvalidFile, ScanFinding
from scanlift.parsers.checkmarx.json_findings import Report, kics_finding, sast_finding, sca_finding

SOURCE = "checkmarx"


#: What this module reads, for messages.
EXPECTED = (
    "expected the CxSAST XML report (<CxXMLResults>) or the Checkmarx scan report JSON "
    "(top-level reportId, reportHeader, scanResults)"
)


_SAST_LANGUAGE = "scanResults.sast.languages.item"
_SAST_QUERY = f"{_SAST_LANGUAGE}.queries.item"
_SAST_VULNERABILITY = f"{_SAST_QUERY}.vulnerabilities.item"
_SCA_PACKAGE = "scanResults.sca.packages.item"
_SCA_VULNERABILITY = f"{_SCA_PACKAGE}.vulnerabilities.item"
_KICS_GROUP = "scanResults.kics.results.item"
_KICS_VULNERABILITY = f"{_KICS_GROUP}.vulnerabilities.item"

#: Parent objects of the vulnerabilities, with the members their vulnerabilities need.
_PARENTS: Mapping[str, frozenset[str]] = {
    _SAST_LANGUAGE: frozenset({"languageName"}),
    _SAST_QUERY: frozenset({"queryName", "queryId", "description"}),
    _SCA_PACKAGE: frozenset({"name"}),
    _KICS_GROUP: frozenset({"name"}),
}

#: Vulnerability prefix -> (engine, parent prefixes from the outermost).
_VULNERABILITIES: Mapping[str, tuple[str, tuple[str, ...]]] = {
    _SAST_VULNERABILITY: ("SAST", (_SAST_LANGUAGE, _SAST_QUERY)),
    _SCA_VULNERABILITY: ("SCA", (_SCA_PACKAGE,)),
    _KICS_VULNERABILITY: ("KICS", (_KICS_GROUP,)),
}

#: Report-level scalars kept as fields of every finding.
_REPORT_FIELDS: Mapping[str, str] = {
    "reportHeader.projectName": "project",
    "executiveSummary.projectName": "summary_project",
    "executiveSummary.branchName": "branch",
}

#: ``scanResults`` members: the engine sections read here, and summaries without results.
_SECTIONS = frozenset({"sast", "sca", "kics", "categories"})

#: Top-level keys of other Checkmarx exports, each with the name used in the refusal.
_OTHER_EXPORTS: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"xissues", "unFilteredIssues"}), "a CxFlow JSON report"),
    (
        frozenset({"reportType", "reportCreationDate", "scanInformation", "iacScanResults", "scaScanResults"}),
        "a Checkmarx One improved scan report JSON",
    ),
    (frozenset({"totalCount", "scanID"}), "a Checkmarx One results API export"),
    (frozenset({"scan", "schema"}), "a Checkmarx One vulnerabilities export"),
)
_OTHER_KEYS = frozenset().union(*(keys for keys, _ in _OTHER_EXPORTS))
_REQUIRED_KEYS = frozenset({"reportId", "reportHeader"})
_SUMMARY_KEYS = frozenset({"executiveSummary", "scanSummary", "scanResults"})

_SCALARS = frozenset({"string", "number", "boolean", "null"})


def looks_like(head: bytes) -> bool:
    """Whether the first bytes are a Checkmarx scan report JSON (and not another Checkmarx export)."""
    keys = _json.top_level_keys(head)
    return keys is not None and keys >= _REQUIRED_KEYS and bool(keys & _SUMMARY_KEYS) and not keys & _OTHER_KEYS


def iter_findings(head: bytes, stream: BinaryIO) -> Iterator[ScanFinding]:
    """Findings of the report whose first bytes are ``head``, read from ``stream`` (the whole file)."""
    _refuse_other_exports(head.removeprefix(codecs.BOM_UTF8))
    yield from _walk(stream)


def _refuse_other_exports(head: bytes) -> None:
    if _json.top_level_is_array(head):
        data = head.lstrip()[1:].lstrip()
        kind = "a CxOSA JSON report ([libraries, vulnerabilities])" if data.startswith(b"[") else "a JSON array"
        raise InvalidFile(SOURCE, f"found {kind}; {EXPECTED}")
    keys = _json.top_level_keys(head) or set()
    _refuse_keys(keys)
    if keys and not keys & (_REQUIRED_KEYS | {"scanResults"}):
        raise InvalidFile(SOURCE, f"top-level keys are {_show_keys(keys)}; {EXPECTED}")


def _refuse_keys(keys: Collection[str]) -> None:
    for markers, name in _OTHER_EXPORTS:
        if markers.intersection(keys):
            raise InvalidFile(SOURCE, f"found {name} (top-level keys {_show_keys(keys)}); {EXPECTED}")


def _show_keys(keys: Collection[str]) -> str:
    shown = list(keys) if isinstance(keys, list) else sorted(keys)
    if not shown:
        return "none"
    return ", ".join(shown[:15]) + (", …" if len(shown) > 15 else "")


@dataclass(slots=True)
class _Parent:
    """The scalar members of an open parent object (language, query, package, KICS platform)."""

    wanted: frozenset[str]
    values: dict[str, Any] = field(default_factory=dict)
    closed: bool = False

    @property
    def ready(self) -> bool:
        return self.closed or self.wanted <= self.values.keys()


_Pending = tuple[str, Any, tuple[_Parent, ...]]


def _walk(stream: BinaryIO) -> Iterator[ScanFinding]:
    # Exact numbers: yajl's float mode overflows on the ids beyond 64 bits that these exports hold.
    events = json_events(stream, source=SOURCE, floats=False)
    top_keys: list[str] = []
    report = Report()
    parents: dict[str, _Parent] = {}
    pending: deque[_Pending] = deque()
    for prefix, event, value in events:
        if prefix == "":
            if event == "map_key":
                top_keys.append(str(value))
                if top_keys[-1] in _OTHER_KEYS:
                    _refuse_keys(top_keys)
            elif event not in ("start_map", "end_map"):
                kind = "an array" if event == "start_array" else f"a bare {event}"
                raise InvalidFile(SOURCE, f"the JSON document is {kind}; {EXPECTED}")
            continue
        vulnerability = _VULNERABILITIES.get(prefix)
        if vulnerability is not None:
            engine, owners = vulnerability
            if event == "start_map":
                pending.append((engine, build_value(events, event, value), tuple(parents[o] for o in owners)))
                yield from _flush(pending, report)
            elif event in _SCALARS or event == "start_array":
                kind = "an array" if event == "start_array" else f"a {event}"
                raise InvalidFile(SOURCE, f"a {engine} vulnerability at {prefix} is {kind}, not an object")
            continue
        wanted = _PARENTS.get(prefix)
        if wanted is not None:
            if event == "start_map":
                parents[prefix] = _Parent(wanted)
            elif event == "end_map":
                parents.pop(prefix).closed = True
                yield from _flush(pending, report)
            continue
        if prefix.startswith("scanResults."):
            _check_section(prefix, event)
        if event in _SCALARS:
            parent, _, key = prefix.rpartition(".")
            owner = parents.get(parent)
            if owner is not None:
                owner.values[key] = value
            elif prefix in _REPORT_FIELDS:
                setattr(report, _REPORT_FIELDS[prefix], value_text(value).strip())
    yield from _flush(pending, report)
    if "scanResults" not in top_keys or not _REQUIRED_KEYS & set(top_keys):
        raise InvalidFile(SOURCE, f"top-level keys are {_show_keys(top_keys)}; {EXPECTED}")


def _check_section(prefix: str, event: str) -> None:
    """Refuse results in a ``scanResults`` section this parser does not read rather than drop them."""
    section = prefix.split(".", 2)[1]
    if section in _SECTIONS:
        return
    if prefix.count(".") > 1 or event in ("map_key", "string", "number", "boolean"):
        raise InvalidFile(
            SOURCE,
            f"scanResults.{section} holds results of an engine this parser does not read "
            f"(it reads {', '.join(sorted(_SECTIONS - {'categories'}))}); refusing rather than dropping them",
        )


def _flush(pending: deque[_Pending], report: Report) -> Iterator[ScanFinding]:
    """Yield the waiting vulnerabilities, in file order, whose parents are known."""
    while pending and all(parent.ready for parent in pending[0][2]):
        engine, raw, owners = pending.popleft()
        if engine == "SAST":
            yield sast_finding(raw, owners[0].values, owners[1].values, report)
        elif engine == "SCA":
            yield sca_finding(raw, owners[0].values, report)
        else:
            yield kics_finding(raw, owners[0].values, report)
