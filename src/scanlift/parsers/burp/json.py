"""Burp JSON: the REST API scan status (``issue_events``) and Enterprise GraphQL (``Issues``).

REST API (``GET /v0.1/scan/{task_id}``): each ``issue_events[]`` item with an ``issue`` is one
sighting; ``type_index`` is the issue type. Request and response come as segment lists whose
``data`` is base64 (Data and Highlight segments are joined, a Snip segment becomes ``[Snip]``).
Payloads and information items of the evidence are kept as text evidence.

Enterprise GraphQL (``{"Issues": [...]}``): each item is one sighting; the type-level text is in
``issue_type`` (``description_html`` = background, ``remediation_html``, references and
classifications) and the instance text beside it. Requests and responses are segment lists of
HTML-escaped text, paired by ``request_index``/``response_index``. Items carry no type id unless
``type_index`` is present, so the flaw_id is usually the title hash. An item whose issue type has
no name (and no type) makes the file invalid.
"""

from __future__ import annotations

import base64
import binascii
import html
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO, NamedTuple

from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.json import iter_items, value_text
from scanlift.parsers.base import Evidence, InvalidFile, ScanRecord
from scanlift.parsers.burp import common as _burp
from scanlift.parsers.burp.messages import decode_http, pair_evidence

SOURCE = "burp"
API_KEY = "issue_events"
API_STATUS_KEYS = frozenset({"scan_status", "scan_metrics"})
GRAPHQL_KEY = "Issues"
SNIP = "\n[Snip]\n"


def is_api(keys: set[str]) -> bool:
    return API_KEY in keys or keys >= API_STATUS_KEYS


def is_graphql(keys: set[str], head: bytes) -> bool:
    return GRAPHQL_KEY in keys and (keys == {GRAPHQL_KEY} or b'"issue_type"' in head)


def _dict(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidFile(SOURCE, f"{where} is a JSON {type(value).__name__}, expected an object")
    return value


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class _Keys(NamedTuple):
    """Where each text of an issue lives: the issue-type keys are read from the knowledge object."""

    background: str
    detail: str
    remediation_background: str
    remediation_detail: str
    references: str
    classifications: str


_API_KEYS = _Keys(
    "issue_background", "description", "remediation_background", "remediation", "references",
    "vulnerability_classifications",
)  # fmt: skip
_GRAPHQL_KEYS = _Keys(
    "description_html", "description_html", "remediation_html", "remediation_html", "references_html",
    "vulnerability_classifications_html",
)  # fmt: skip


def _issue(
    item: Mapping[str, Any], knowledge: Mapping[str, Any], keys: _Keys, *, title: str, type_id: str
) -> _burp.BurpIssue:
    """One issue: per-instance facts from ``item``, issue-type texts from ``knowledge``.

    The REST API carries both on the issue itself; GraphQL puts the type's texts on ``issue_type``.
    """
    return _burp.BurpIssue(
        title=title,
        type_id=type_id,
        severity=value_text(item.get("severity")).strip(),
        confidence=value_text(item.get("confidence")).strip().capitalize(),
        origin=value_text(item.get("origin")).strip(),
        path=value_text(item.get("path")).strip(),
        location=value_text(item.get("caption")).strip(),
        serial=value_text(item.get("serial_number")).strip(),
        background=_text.html_to_text(value_text(knowledge.get(keys.background)).strip()),
        detail=_text.html_to_text(value_text(item.get(keys.detail)).strip()),
        remediation_background=_text.html_to_text(value_text(knowledge.get(keys.remediation_background)).strip()),
        remediation_detail=_text.html_to_text(value_text(item.get(keys.remediation_detail)).strip()),
        references=_burp.references_from_html(value_text(knowledge.get(keys.references)).strip()),
        classifications=_burp.classifications_text(value_text(knowledge.get(keys.classifications)).strip()),
    )


# --- REST API ---------------------------------------------------------------------------------


def parse_api(stream: BinaryIO) -> Iterator[ScanRecord]:
    assets = _burp.AssetTracker()
    for number, event in enumerate(iter_items(stream, f"{API_KEY}.item", source=SOURCE), start=1):
        event = _dict(event, f"issue_events[{number - 1}]")
        if event.get("issue") is None:
            continue  # a status event without an issue, not a finding
        yield from _burp.records(_api_issue(_dict(event["issue"], f"issue_events[{number - 1}].issue"), number), assets)


def _api_issue(item: Mapping[str, Any], number: int) -> _burp.BurpIssue:
    type_id = value_text(item.get("type_index")).strip()
    issue = _issue(
        item,
        item,
        _API_KEYS,
        title=_burp.require_title(SOURCE, value_text(item.get("name")).strip(), type_id, f"issue event {number}"),
        type_id=type_id,
    )
    pairs = 0
    for index, evidence in enumerate(_list(item.get("evidence")), start=1):
        if not isinstance(evidence, Mapping):
            continue
        exchanges = [evidence["request_response"]] if isinstance(evidence.get("request_response"), Mapping) else []
        exchanges += [rr for rr in _list(evidence.get("request_responses")) if isinstance(rr, Mapping)]
        for exchange in exchanges:
            pairs += 1
            notes = [value_text(exchange.get("url")).strip()]
            if exchange.get("was_redirect_followed") is True:
                notes.append("response after following a redirect")
            found = pair_evidence(
                pairs,
                _segments(exchange.get("request")),
                _segments(exchange.get("response")),
                note=", ".join(n for n in notes if n),
            )
            if found is not None:
                issue.evidence.append(found)
        details = _burp.text_evidence(
            f"{value_text(evidence.get('type')).strip() or 'Evidence'} {index}", _api_details(evidence)
        )
        if details is not None:
            issue.evidence.append(details)
    return issue


def _segments(value: Any) -> str:
    """Base64 Data/Highlight segments joined, decoded as one HTTP message."""
    raw = bytearray()
    for segment in _list(value):
        if not isinstance(segment, Mapping):
            continue
        if segment.get("type") == "SnipSegment" or ("data" not in segment and "length" in segment):
            raw += SNIP.encode()
            continue
        data = value_text(segment.get("data")).strip()
        try:
            raw += base64.b64decode(data, validate=False)
        except (binascii.Error, ValueError):
            raw += f"[could not decode base64: {data}]".encode()
    return decode_http(bytes(raw)) if raw else ""


def _api_details(evidence: Mapping[str, Any]) -> list[str]:
    lines = [f"Information: {value_text(item).strip()}" for item in _list(evidence.get("information_items"))]
    detail = evidence.get("detail")
    if isinstance(detail, Mapping):
        payload = detail.get("payload")
        if isinstance(payload, Mapping) and payload.get("bytes"):
            try:
                text = base64.b64decode(value_text(payload["bytes"]).strip()).decode("utf-8", errors="replace")
            except (binascii.Error, ValueError):
                text = value_text(payload["bytes"]).strip()
            lines.append(f"Payload: {text}")
        bands = [value_text(b).strip() for b in _list(detail.get("band_flags"))]
        if bands and lines:
            lines.append(f"Band: {', '.join(bands)}")
    for key in ("title", "description"):
        if isinstance(evidence.get(key), str) and evidence[key].strip():
            lines.append(_text.html_to_text(evidence[key]))
    return lines


# --- Enterprise GraphQL ----------------------------------------------------------------------


def parse_graphql(stream: BinaryIO) -> Iterator[ScanRecord]:
    assets = _burp.AssetTracker()
    for number, item in enumerate(iter_items(stream, f"{GRAPHQL_KEY}.item", source=SOURCE), start=1):
        yield from _burp.records(_graphql_issue(_dict(item, f"Issues[{number - 1}]"), number), assets)


def _graphql_issue(item: Mapping[str, Any], number: int) -> _burp.BurpIssue:
    issue_type = _dict(item.get("issue_type"), f"Issues[{number - 1}].issue_type")
    index = issue_type.get("type_index")
    type_id = value_text(index if index is not None else item.get("type_index")).strip()
    origin, path = value_text(item.get("origin")).strip(), value_text(item.get("path")).strip()
    where = f"Issues[{number - 1}] (origin {origin!r}, path {path!r})"
    issue = _issue(
        item,
        issue_type,
        _GRAPHQL_KEYS,
        title=_burp.require_title(SOURCE, value_text(issue_type.get("name")).strip(), type_id, where),
        type_id=type_id,
    )
    for field_name, label in (("novelty", "Novelty"), ("confirmed", "Confirmed")):
        if item.get(field_name) is not None:
            issue.fields.append((label, value_text(item.get(field_name)).strip()))
    issue.evidence.extend(_graphql_evidence(_list(item.get("evidence"))))
    return issue


def _graphql_evidence(items: list[Any]) -> list[Evidence]:
    requests: dict[int, str] = {}
    responses: dict[int, str] = {}
    order: list[int] = []
    texts: list[Evidence] = []
    for position, entry in enumerate(items, start=1):
        if not isinstance(entry, Mapping):
            continue
        for key, segments_key, store in (
            ("request_index", "request_segments", requests),
            ("response_index", "response_segments", responses),
        ):
            if key in entry:
                index = entry[key] if isinstance(entry[key], int) else position
                store[index] = _html_segments(entry.get(segments_key))
                if index not in order:
                    order.append(index)
        if isinstance(entry.get("description_html"), str) or isinstance(entry.get("title"), str):
            found = _burp.text_evidence(
                value_text(entry.get("title")).strip() or f"Evidence {position}",
                [_text.html_to_text(value_text(entry.get("description_html")).strip())],
            )
            if found is not None:
                texts.append(found)
    pairs = [pair_evidence(n, requests.get(i, ""), responses.get(i, "")) for n, i in enumerate(order, start=1)]
    return [p for p in pairs if p is not None] + texts


def _html_segments(value: Any) -> str:
    parts = []
    for segment in _list(value):
        if not isinstance(segment, Mapping):
            continue
        if segment.get("snip_length") is not None:
            parts.append(SNIP)
        for key in ("data_html", "highlight_html"):
            if isinstance(segment.get(key), str):
                parts.append(html.unescape(segment[key]))
    return "".join(parts).replace("\r\n", "\n")
