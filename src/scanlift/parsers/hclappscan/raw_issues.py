"""One AppScan issue read from the XML and reduced to plain data: its ids, references, inline
location, CVSS, fix and evidence, as a JSON-able dict that can wait in the spool until every
group it names has been read (``issues.sighting`` resolves it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib.xml import local_name
from scanlift.parsers.hclappscan.markup import child_text, clean, raw_text, rich_text

#: Simple ASoC item children kept inline (location and state of the issue).
_INLINE = (
    "technology",
    "status",
    "issue-type-name",
    "location",
    "domain",
    "element",
    "element-type",
    "path",
    "scheme",
    "host",
    "port",
    "source-file",
    "line",
    "fix-group-id",
    "cvss",
)

#: Item attributes of ASoC SAST issues.
_SAST_ATTRIBUTES = ("filename", "language", "caller", "source", "sink", "context", "cve")


def raw_issue(item: etree._Element) -> dict[str, Any]:
    refs: dict[str, list[str]] = {}
    cwes: list[str] = []
    for child in item:
        if not isinstance(child.tag, str):
            continue
        tag = local_name(child.tag)
        ids = [r for r in (clean(ref.text) for ref in child.iterchildren("ref")) if r]
        if tag == "cwe":
            cwes += ids or [clean(child.text)]
        elif ids:
            refs[tag] = ids
    url = item.find("url")
    type_refs = refs.pop("issue-type", [])
    inline = {tag: child_text(item, tag) for tag in _INLINE}
    inline.update({f"@{a}": (item.get(a) or "").strip() for a in _SAST_ATTRIBUTES})
    return {
        "type": type_refs[0] if type_refs else "",
        "extra_types": type_refs[1:],
        "severity": child_text(item, "severity"),
        "severity_id": child_text(item, "severity-id"),
        "cvss_score": child_text(item, "cvss-score") or inline["cvss"],
        "cvss_vector": _vector(item.find("cvss-vector")),
        "cwes": [c for c in cwes if c],
        "refs": refs,
        "method": (url.get("original_request_method") or "") if url is not None else "",
        "inline": {k: v for k, v in inline.items() if v},
        "fix": _sast_fix(item.find("fix/item")),
        "evidence": [list(e) for v in item.iterfind("variant-group/item") for e in _variant_evidence(v)],
        "diff_params": _ids.unique(
            d.get("name") or "" for d in item.iterfind("variant-group/item/differences/item") if _attacked(d)
        ),
    }


def _attacked(difference: etree._Element) -> bool:
    """A test difference that changed a (query, body…) parameter's value: the tested parameter."""
    kind = (difference.get("difference-element") or "").lower()
    return kind.endswith("parameter") and (difference.get("difference-type") or "changed") == "changed"


def _vector(element: etree._Element | None) -> str:
    """The CVSS vector: v3 ``<vector>``, or v2 base/temporal/environmental parts joined."""
    if element is None:
        return ""
    vector = child_text(element, "vector")
    if vector:
        return vector
    parts = [child_text(element, t) for t in ("base-vector", "temporal-vector", "environmental-vector")]
    return "/".join(p.strip("()") for p in parts if p)


def _sast_fix(fix: etree._Element | None) -> dict[str, str]:
    if fix is None:
        return {}
    return {
        "remediation": child_text(fix, "remediation"),
        "priority": child_text(fix, "priority"),
        "general": rich_text(fix.find("general")),
    }


def _variant_evidence(variant: etree._Element) -> Iterator[tuple[str, str]]:
    information = variant.find("issue-information")
    if information is not None and information.get("type") == "call-trace":
        trace = _call_trace(information)
        if trace:
            yield "Code location and call trace", trace
    traffic = raw_text(variant.find("test-http-traffic"))
    if traffic:
        yield "HTTP request/response", traffic
    elif information is not None:
        chunk = raw_text(information.find("testResponseChunk"))
        if chunk:
            yield "Test response excerpt", chunk
    reasoning = child_text(variant, "reasoning")
    if reasoning:
        yield "AppScan reasoning", reasoning
    differences = [
        f"{d.get('difference-element') or 'item'} {d.get('name') or ''}: "
        f"{d.get('original') or ''!r} -> {d.get('altered') or ''!r} ({d.get('difference-type') or 'changed'})"
        for d in variant.iterfind("differences/item")
    ]
    if differences:
        yield "Test differences", "\n".join(differences)
    for tag, caption in (("additional-data", "Additional data"), ("comments", "Comments")):
        text = rich_text(variant.find(tag))
        if text:
            yield caption, text


def _call_trace(information: etree._Element) -> str:
    lines = []
    for tag in ("method-signature", "method-signature2"):
        element = information.find(tag)
        if element is not None and clean(element.text):
            label = {"method-signature": "API", "method-signature2": "Caller"}[tag]
            lines.append(f"{label}: {clean(element.text)}")
    for invocation in information.iterfind("call-trace/call-invocation"):
        signature = invocation.get("signature") or ""
        context = invocation.find("context")
        code = "".join(str(t) for t in context.itertext()).strip() if context is not None else ""
        lines.append("  " + " | ".join(p for p in (signature, code) if p))
    return "\n".join(lines)
