"""HCL (formerly IBM) AppScan XML reports: ``<xml-report>``.

One parser covers the three exports that share this root (see docs/sources.md (hclappscan)):

* AppScan Standard DAST (``xmlExportVersion`` 2.x, including the older IBM 2.42 export): each
  ``issue-group/item`` points by id into small lookup tables (``issue-type-group``,
  ``advisory-group``, ``fix-recommendation-group``, ``remediation-group``, ``url-group``,
  ``entity-group``, ``cause-group``, ``security-risk-group``, ``threat-class-group``…).
* AppScan on Cloud (ASoC, ``AsocXmlExportVersion``) DAST: the same items with the location inline
  (``location``, ``host``, ``port``, ``element``) and the advisory text in ``article-group``.
* ASoC SAST: items with ``source-file``/``line`` and a call trace.

Mapping: ``flaw_id`` is the AppScan issue type id (``attCrossSiteScripting``,
``AccessControl.Bypass``); title is the issue type name; severity is the item's own
Informational/Low/Medium/High/Critical label (``severity-id`` 0-4 when the label is missing).
Description and recommendations come from the issue type's advisory (or ASoC article) and fix
recommendation; every CWE/CVE of the item, its issue type and advisory is kept, with the item's
CVSS vector and score. The asset is the host of the issue URL (DAST) or the ASoC application
(SAST, else the source file); ``location_url`` is the URL or ``file:line``; the vulnerable
parameter is the item's entity or element when AppScan types it as a parameter, plus the
parameters named in the test ``differences``. Evidence per variant: the test HTTP
request/response verbatim, AppScan's reasoning, parameter differences, or the SAST call trace.

Streaming: lookup groups are small (bounded by issue types and URLs) and are kept as
dictionaries. Some exports write groups *after* ``issue-group`` (AppScan Standard writes the
advisory, cause and remediation groups last; ASoC writes ``article-group`` last), so an item
whose references cannot all be resolved yet is reduced to a JSON line in a temporary file and
resolved once the document ends. Items nest other ``<item>`` elements (variants, differences,
fixes); the shared iterator frees every completed ``<item>``, so a nested one is swapped for a
detached copy of itself before it is freed, and its top-level item still sees it whole.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, ClassVar
from urllib.parse import urlsplit

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.sniff import xml_root
from scanlift.parsers._lib.xml import iter_elements, local_name
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
    Upload,
)

ROOT = "xml-report"
SOURCE = "hclappscan"

#: Root attributes that mark an AppScan export (Standard, IBM legacy and ASoC).
_VERSION_ATTRIBUTES = ("xmlExportVersion", "AsocXmlExportVersion")

#: Item reference kind -> the lookup groups that resolve it.
_ITEM_REFS: dict[str, tuple[str, ...]] = {
    "issue-type": ("issue-type-group",),
    "advisory": ("advisory-group", "article-group"),
    "remediation": ("remediation-group",),
    "threat-class": ("threat-class-group",),
    "entity": ("entity-group",),
    "url": ("url-group",),
    "security-risks": ("security-risk-group",),
    "cause-id": ("cause-group",),
}

#: Issue-type reference kind -> the lookup groups that resolve it.
_TYPE_REFS: dict[str, tuple[str, ...]] = {
    "advisory": ("advisory-group", "article-group"),
    "remediation": ("remediation-group",),
    "threat-class": ("threat-class-group",),
    "fix-recommendation": ("fix-recommendation-group",),
    "causes": ("cause-group",),
    "security-risks": ("security-risk-group",),
    "affected-products": ("affected-product-group",),
}

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

_DEFAULT_PORTS = {"http": "80", "https": "443"}

#: Headings of the technology-specific sections of a fix recommendation.
_FIX_SECTIONS = {"general": "", "asp-dot-net": "ASP.NET", "j2ee": "J2EE", "php": "PHP"}


class HclAppScanParser:
    source: ClassVar[str] = SOURCE
    label: ClassVar[str] = "HCL AppScan"

    def sniff(self, head: Sniff) -> bool:
        root = xml_root(head.head)
        if root is None or root.name != ROOT:
            return False
        return any(a in root.attributes for a in _VERSION_ATTRIBUTES) or "AppScan" in root.attributes.get("name", "")

    def parse(self, upload: Upload) -> Iterator[ScanRecord]:
        if upload.head.kind == "json":  # name a JSON upload plainly, not as malformed XML
            raise InvalidFile(SOURCE, "found a JSON document, expected an AppScan XML report (<xml-report>)")
        stream = upload.stream
        groups = _Groups()
        #: Asset name -> its ports (web hosts) or None (application / source file of SAST issues).
        assets: dict[str, dict[str, Port] | None] = {}
        spool: IO[str] | None = None
        try:
            for element in iter_elements(
                stream, source=SOURCE, roots=(ROOT,), tags=("item", "application-name"), head=upload.head
            ):
                parent = element.getparent()
                if parent is None:
                    continue
                if local_name(str(element.tag)) == "application-name":
                    if local_name(str(parent.tag)) == "layout":
                        groups.application = (element.text or "").strip()
                    continue
                group = local_name(str(parent.tag))
                grand = parent.getparent()
                if grand is None:
                    continue
                if grand.getparent() is not None:
                    # A nested <item> (variant, difference, fix…): keep a copy in the tree, because
                    # the iterator frees the element itself as soon as this loop body returns.
                    parent.replace(element, copy.deepcopy(element))
                elif group == "issue-group":
                    raw = _raw_issue(element)
                    if groups.resolves(raw):
                        yield _sighting(raw, groups, assets)
                    else:
                        if spool is None:
                            spool = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
                        spool.write(json.dumps(raw) + "\n")
                else:
                    groups.add(group, element)
            if spool is not None:
                spool.seek(0)
                for line in spool:
                    yield _sighting(json.loads(line), groups, assets)
        finally:
            if spool is not None:
                spool.close()
        for name, ports in assets.items():
            yield _asset(name, ports)


# ---------------------------------------------------------------------------------------------
# Lookup groups


@dataclass(slots=True)
class _IssueType:
    name: str = ""
    cves: tuple[str, ...] = ()
    cwes: tuple[int, ...] = ()
    xfid: str = ""
    refs: dict[str, list[str]] = field(default_factory=dict)


@dataclass(slots=True)
class _Advice:
    """An AppScan Standard advisory or an ASoC article: the issue type's explanatory text."""

    name: str = ""
    test_type: str = ""
    threat_class: str = ""
    technical: str = ""
    causes: tuple[str, ...] = ()
    risks: str = ""
    exploit: str = ""
    affected: str = ""
    recommendations: str = ""
    references: tuple[str, ...] = ()
    cwes: tuple[int, ...] = ()
    fix_ids: tuple[str, ...] = ()


@dataclass(slots=True)
class _Entity:
    name: str = ""
    url: str = ""
    kind: str = ""


@dataclass(slots=True)
class _Groups:
    application: str = ""
    issue_types: dict[str, _IssueType] = field(default_factory=dict)
    advice: dict[str, _Advice] = field(default_factory=dict)
    fixes: dict[str, str] = field(default_factory=dict)
    remediations: dict[str, tuple[str, str]] = field(default_factory=dict)
    threat_classes: dict[str, tuple[str, str]] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    entities: dict[str, _Entity] = field(default_factory=dict)
    texts: dict[str, dict[str, str]] = field(default_factory=dict)
    fix_groups: dict[str, str] = field(default_factory=dict)
    #: Group names seen so far, with the ids each one holds.
    seen: dict[str, set[str]] = field(default_factory=dict)

    def add(self, group: str, item: etree._Element) -> None:
        item_id = item.get("id") or ""
        if group == "issue-type-group":
            self.issue_types[item_id] = _issue_type(item)
        elif group == "advisory-group":
            self.advice[item_id] = _advisory(item)
        elif group == "article-group":
            self.advice.setdefault(item_id, _article(item))
        elif group == "fix-recommendation-group":
            self.fixes[item_id] = _fix_recommendation(item)
        elif group == "remediation-group":
            self.remediations[item_id] = (_child_text(item, "name"), _child_text(item, "priority"))
        elif group == "threat-class-group":
            self.threat_classes[item_id] = (_text.clean(item.text), item.get("href") or "")
        elif group == "url-group":
            self.urls[item_id] = _child_text(item, "name")
        elif group == "entity-group":
            self.entities[item_id] = _Entity(
                name=_child_text(item, "name"),
                url=_child_text(item, "url-name"),
                kind=_child_text(item, "entity-type"),
            )
        elif group in ("cause-group", "security-risk-group", "affected-product-group"):
            self.texts.setdefault(group, {})[item_id] = _text.clean(item.text)
        elif group == "fix-group-group":
            self.fix_groups[item_id] = _child_text(item, "Location")
        else:
            return
        self.seen.setdefault(group, set()).add(item_id)

    def has(self, ident: str, groups: tuple[str, ...]) -> bool:
        return any(ident in self.seen.get(g, ()) for g in groups)

    def resolves(self, raw: dict[str, Any]) -> bool:
        """True when every id the item (and its issue type) refers to is already known."""
        refs: dict[str, list[str]] = raw["refs"]
        for kind, ids in refs.items():
            groups = _ITEM_REFS.get(kind)
            if groups and not all(self.has(i, groups) for i in ids):
                return False
        issue_type = self.issue_types.get(raw["type"])
        if issue_type is None:
            return False
        for kind, ids in issue_type.refs.items():
            groups = _TYPE_REFS.get(kind)
            if groups and not all(self.has(i, groups) for i in ids):
                return False
        return True

    def text(self, group: str, ident: str) -> str:
        return self.texts.get(group, {}).get(ident, "")


def _issue_type(item: etree._Element) -> _IssueType:
    refs = {
        local_name(str(child.tag)): [r for r in (_clean(ref.text) for ref in child.iterchildren("ref")) if r]
        for child in item
        if isinstance(child.tag, str) and child.find("ref") is not None
    }
    cwe = _ids.parse_cwe(_child_text(item, "cwe"))
    return _IssueType(
        name=_child_text(item, "name"),
        cves=_ids.find_cves(_child_text(item, "cve")),
        cwes=(cwe,) if cwe is not None else (),
        xfid=_child_text(item, "xfid"),
        refs=refs,
    )


def _advisory(item: etree._Element) -> _Advice:
    advisory = item.find("advisory")
    if advisory is None:
        return _Advice()
    threat = advisory.find("threatClassification")
    threat_name = _child_text(threat, "name") if threat is not None else ""
    threat_ref = _child_text(threat, "reference") if threat is not None else ""
    references = [threat_ref]
    references += _link_targets(advisory.find("references"))
    references += _link_targets(advisory.find("xfid"))
    causes = advisory.find("causes")
    return _Advice(
        name=_child_text(advisory, "name"),
        test_type=_child_text(advisory, "testDescription"),
        threat_class=threat_name,
        technical=_rich_text(advisory.find("testTechnicalDescription")),
        causes=_ids.unique(_clean(c.text) for c in causes) if causes is not None else (),
        risks=_rich_text(advisory.find("securityRisks")),
        exploit=_rich_text(advisory.find("exploitExample")),
        affected=_rich_text(advisory.find("affectedProducts")),
        references=_ids.unique(references),
        cwes=_cwes_of_links(advisory.find("cwe")),
        fix_ids=_ids.unique(_clean(f.text) for f in advisory.iterfind("fixRecommendations/fixRecommendation")),
    )


def _article(item: etree._Element) -> _Advice:
    """ASoC ``article-group`` item: JSON-like arrays of ``<item type="string">``."""

    def strings(tag: str) -> list[str]:
        return [(i.text or "").rstrip() for i in item.iterfind(f"{tag}/item")]

    references = [
        _child_text(ref, "url") or _child_text(ref, "title") for ref in item.iterfind("externalReferences/item")
    ]
    cwe = _ids.parse_cwe(_child_text(item, "cwe"))
    return _Advice(
        name=_child_text(item, "displayName"),
        causes=_ids.unique(strings("cause")),
        risks=_text.clean("\n".join(strings("risk"))),
        affected=_text.clean("\n".join(strings("affectedProducts"))),
        recommendations=_text.clean("\n".join(strings("recommendations"))),
        references=_ids.unique(references),
        cwes=(cwe,) if cwe is not None else (),
    )


def _fix_recommendation(item: etree._Element) -> str:
    parts = []
    for child in item:
        if not isinstance(child.tag, str):
            continue
        heading = _FIX_SECTIONS.get(local_name(child.tag), local_name(child.tag))
        body = _rich_text(child)
        if body:
            parts.append(f"{heading}:\n{body}" if heading else body)
    return _text.join_paragraphs(*parts)


# ---------------------------------------------------------------------------------------------
# Issues: reduced to plain data (spoolable as JSON), then resolved into sightings


def _raw_issue(item: etree._Element) -> dict[str, Any]:
    refs: dict[str, list[str]] = {}
    cwes: list[str] = []
    for child in item:
        if not isinstance(child.tag, str):
            continue
        tag = local_name(child.tag)
        ids = [r for r in (_clean(ref.text) for ref in child.iterchildren("ref")) if r]
        if tag == "cwe":
            cwes += ids or [_clean(child.text)]
        elif ids:
            refs[tag] = ids
    url = item.find("url")
    type_refs = refs.pop("issue-type", [])
    inline = {tag: _child_text(item, tag) for tag in _INLINE}
    inline.update({f"@{a}": (item.get(a) or "").strip() for a in _SAST_ATTRIBUTES})
    return {
        "type": type_refs[0] if type_refs else "",
        "extra_types": type_refs[1:],
        "severity": _child_text(item, "severity"),
        "severity_id": _child_text(item, "severity-id"),
        "cvss_score": _child_text(item, "cvss-score") or inline["cvss"],
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
    vector = _child_text(element, "vector")
    if vector:
        return vector
    parts = [_child_text(element, t) for t in ("base-vector", "temporal-vector", "environmental-vector")]
    return "/".join(p.strip("()") for p in parts if p)


def _sast_fix(fix: etree._Element | None) -> dict[str, str]:
    if fix is None:
        return {}
    return {
        "remediation": _child_text(fix, "remediation"),
        "priority": _child_text(fix, "priority"),
        "general": _rich_text(fix.find("general")),
    }


def _variant_evidence(variant: etree._Element) -> Iterator[tuple[str, str]]:
    information = variant.find("issue-information")
    if information is not None and information.get("type") == "call-trace":
        trace = _call_trace(information)
        if trace:
            yield "Code location and call trace", trace
    traffic = _raw_text(variant.find("test-http-traffic"))
    if traffic:
        yield "HTTP request/response", traffic
    elif information is not None:
        chunk = _raw_text(information.find("testResponseChunk"))
        if chunk:
            yield "Test response excerpt", chunk
    reasoning = _child_text(variant, "reasoning")
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
        text = _rich_text(variant.find(tag))
        if text:
            yield caption, text


def _call_trace(information: etree._Element) -> str:
    lines = []
    for tag in ("method-signature", "method-signature2"):
        element = information.find(tag)
        if element is not None and _clean(element.text):
            label = {"method-signature": "API", "method-signature2": "Caller"}[tag]
            lines.append(f"{label}: {_clean(element.text)}")
    for invocation in information.iterfind("call-trace/call-invocation"):
        signature = invocation.get("signature") or ""
        context = invocation.find("context")
        code = "".join(str(t) for t in context.itertext()).strip() if context is not None else ""
        lines.append("  " + " | ".join(p for p in (signature, code) if p))
    return "\n".join(lines)


def _sighting(raw: dict[str, Any], groups: _Groups, assets: dict[str, dict[str, Port] | None]) -> ScanFinding:
    type_id: str = raw["type"]
    inline: dict[str, str] = raw["inline"]
    refs: dict[str, list[str]] = raw["refs"]
    issue_type = groups.issue_types.get(type_id, _IssueType())
    type_refs = issue_type.refs
    advice = _first(groups.advice, [*refs.get("advisory", []), *type_refs.get("advisory", []), type_id])
    title = issue_type.name or inline.get("issue-type-name") or advice.name or type_id or "AppScan issue"
    fields: list[tuple[str, str]] = []

    causes = [groups.text("cause-group", c) or c for c in advice.causes]
    causes += [groups.text("cause-group", c) for c in type_refs.get("causes", ()) if c not in advice.causes]
    risks = _resolve_lines(advice.risks, groups, "security-risk-group") or "\n".join(
        groups.text("security-risk-group", r) for r in type_refs.get("security-risks") or refs.get("security-risks", [])
    )
    affected = _resolve_lines(advice.affected, groups, "affected-product-group") or "\n".join(
        groups.text("affected-product-group", p) for p in type_refs.get("affected-products", ())
    )
    description = _text.join_paragraphs(
        advice.technical,
        _bullets("Causes:", causes),
        f"Security risks:\n{_text.clean(risks)}" if risks.strip() else "",
        f"Exploit example:\n{advice.exploit}" if advice.exploit else "",
        f"Affected products:\n{_text.clean(affected)}" if affected.strip() else "",
    ) or (
        f"HCL AppScan reported {title} (issue type {type_id or 'not stated'}). The export carries no "
        "advisory text for this issue type; see the affected assets for where it was found."
    )

    remediation_ids = refs.get("remediation") or type_refs.get("remediation", [])
    remediations = [groups.remediations[r] for r in remediation_ids if r in groups.remediations]
    fix_ids = _ids.unique([*type_refs.get("fix-recommendation", []), *advice.fix_ids])
    fix: dict[str, str] = raw["fix"]
    recommendations = _text.join_paragraphs(
        *(name for name, _priority in remediations),
        *(groups.fixes.get(f, "") for f in fix_ids),
        advice.recommendations,
        fix.get("remediation", ""),
        fix.get("general", "") if fix.get("general") != fix.get("remediation") else "",
    )
    priority = ", ".join(_ids.unique(p for _name, p in remediations)) or fix.get("priority", "")

    threat_ids = refs.get("threat-class") or type_refs.get("threat-class", [])
    threats = [groups.threat_classes[t] for t in threat_ids if t in groups.threat_classes]
    references = _ids.unique([*(href for _name, href in threats), *advice.references])

    cwes = [_ids.parse_cwe(c) for c in raw["cwes"]]
    cwes += [*issue_type.cwes, *advice.cwes]

    url_ids = refs.get("url", [])
    url = next((groups.urls[u] for u in url_ids if groups.urls.get(u)), "")
    entity = next((groups.entities[e] for e in refs.get("entity", []) if e in groups.entities), None)
    if entity is not None:
        url = url or entity.url
        fields.append(("Entity", f"{entity.kind}: {entity.name}" if entity.kind else entity.name))
    parameters = [entity.name] if entity is not None and entity.kind.lower() == "parameter" else []
    if inline.get("element-type", "").lower() == "parameter" and inline.get("element"):
        parameters.append(inline["element"])
    elif inline.get("element"):
        fields.append(("Element", f"{inline.get('element-type', '')}: {inline['element']}".lstrip(": ")))
    parameters += raw["diff_params"]

    asset, port, location, is_code = _where(raw, groups, url)
    if asset and is_code:
        assets.setdefault(asset, None)
    elif asset:
        ports = assets.setdefault(asset, {})
        if port is not None and ports is not None:
            ports.setdefault(port.number, port)

    fields += [
        (
            "Threat Classification",
            ", ".join(_ids.unique(name for name, _href in threats)) or advice.threat_class,
        ),
        ("Test Type", advice.test_type),
        ("X-Force ID", issue_type.xfid if issue_type.xfid != "0" else ""),
        ("Remediation Priority", priority),
        ("HTTP Method", raw["method"]),
        ("Technology", inline.get("technology", "")),
        ("Status", inline.get("status", "")),
        ("Language", inline.get("@language", "")),
        ("Fix Group", groups.fix_groups.get(inline.get("fix-group-id", ""), "")),
        ("Other Issue Types", ", ".join(raw["extra_types"])),
    ]
    fields += _unresolved(refs, groups)

    severity = _severity.from_label(raw["severity"]) or _severity.from_scale(raw["severity_id"], _severity.ZERO_TO_FOUR)
    if severity is None:
        fields.append(("AppScan Severity", raw["severity"] or raw["severity_id"] or "(missing)"))

    return ScanFinding(
        flaw_id=type_id or _ids.title_flaw_id(title),
        title=title,
        severity=severity or Severity.INFORMATIONAL,
        description=description,
        recommendations=recommendations,
        references=references,
        cves=_ids.find_cves(*issue_type.cves, inline.get("@cve", "")),
        cwes=tuple(dict.fromkeys(c for c in cwes if c is not None)),
        scores=_scores(raw["cvss_vector"], raw["cvss_score"]),
        fields=tuple((label, value) for label, value in fields if value),
        asset=asset or None,
        port=port,
        location_url=location,
        vulnerable_parameters=_ids.unique(parameters),
        evidence=tuple(Evidence(caption=c, code=code) for c, code in raw["evidence"]),
    )


def _where(raw: dict[str, Any], groups: _Groups, url: str) -> tuple[str, Port | None, str, bool]:
    """(asset name, port, location, whether it is a code location) of an issue."""
    inline: dict[str, str] = raw["inline"]
    source_file = inline.get("source-file") or inline.get("@filename", "")
    if source_file:
        line = inline.get("line", "")
        location = inline.get("location") or (f"{source_file}:{line}" if line else source_file)
        return groups.application or source_file, None, location, True
    location = url or inline.get("location", "")
    parts = urlsplit(location) if "://" in location else None
    host = inline.get("host") or (parts.hostname if parts else "") or ""
    scheme = inline.get("scheme") or (parts.scheme if parts else "")
    number = inline.get("port", "")
    if not number or number == "0":
        try:
            explicit = parts.port if parts else None
        except ValueError:
            explicit = None
        number = str(explicit) if explicit else _DEFAULT_PORTS.get(scheme.lower(), "")
    port = Port(number=number, protocol="tcp", service=scheme.lower()) if host and number else None
    return host, port, location, False


def _resolve_lines(text: str, groups: _Groups, group: str) -> str:
    """Old (2.42) advisories list security-risk / affected-product *ids*; newer ones hold the text."""
    table = groups.texts.get(group, {})
    lines = []
    for line in text.split("\n") if text else ():
        key = line.strip()
        lines.append(table.get(key) or table.get(key.removeprefix("AffectedProduct_")) or line)
    return _text.clean("\n".join(lines))


def _unresolved(refs: dict[str, list[str]], groups: _Groups) -> list[tuple[str, str]]:
    """References the document never defines, kept as-is (AppScan ids such as cause names)."""
    labels = {"cause-id": "Cause", "security-risks": "Security Risk", "entity": "Entity ID", "url": "URL ID"}
    out = []
    for kind, label in labels.items():
        missing = [i for i in refs.get(kind, []) if not groups.has(i, _ITEM_REFS[kind])]
        if missing:
            out.append((label, ", ".join(missing)))
    return out


def _scores(vector: str, score: str) -> tuple[Score, ...]:
    if not vector and not score:
        return ()
    if "Au:" in vector:
        kind = "CVSS2"
    elif "AT:" in vector or vector.startswith("CVSS:4"):
        kind = "CVSS4"
    elif vector.startswith("CVSS:3.1"):
        kind = "CVSS3_1"
    else:
        kind = "CVSS3"
    return (Score(kind=kind, vector=vector, score=score),)


def _asset(name: str, ports: dict[str, Port] | None) -> ScanAsset:
    """A web host (DAST), or the application or source file a SAST issue is in (``ports`` None)."""
    if ports is None:
        return ScanAsset(name=name, type="Application")
    try:
        ip = str(ipaddress.ip_address(name))
    except ValueError:
        return ScanAsset(name=name, hostname=name, ports=tuple(ports.values()))
    return ScanAsset(name=name, ips=(ip,), ports=tuple(ports.values()))


# ---------------------------------------------------------------------------------------------
# Small XML helpers


def _first(table: dict[str, _Advice], ids: Iterable[str]) -> _Advice:
    return next((table[i] for i in ids if i in table), _Advice())


def _clean(text: str | None) -> str:
    return (text or "").strip()


def _child_text(element: etree._Element, tag: str) -> str:
    child = element.find(tag)
    return _text.clean(child.text) if child is not None else ""


def _raw_text(element: etree._Element | None) -> str:
    """An element's text verbatim except for surrounding blank lines (HTTP traffic, responses)."""
    if element is None or not element.text:
        return ""
    return element.text.strip("\r\n")


def _link_targets(element: etree._Element | None) -> list[str]:
    if element is None:
        return []
    return [link.get("target") or _clean(link.text) for link in element.iter("link")]


def _cwes_of_links(element: etree._Element | None) -> tuple[int, ...]:
    if element is None:
        return ()
    found = (_ids.parse_cwe(link.get("id") or link.text) for link in element.iter("link"))
    return tuple(dict.fromkeys(c for c in found if c is not None))


def _rich_text(element: etree._Element | None) -> str:
    """AppScan's mixed-content text blocks (<text>, <code>, <link>, <br/>, nested lists) as plain text."""
    if element is None:
        return ""
    lines: list[str] = []
    _collect(element, lines)
    return _text.clean("\n".join(lines))


def _collect(element: etree._Element, lines: list[str]) -> None:
    children = [c for c in element if isinstance(c.tag, str)]
    if not children:
        if element.text and element.text.strip():
            lines.append(element.text.rstrip())
        return
    if element.text and element.text.strip():
        lines.append(element.text.strip())
    for child in children:
        tag = local_name(str(child.tag))
        if tag == "br":
            lines.append("")
        elif tag == "link":
            text, target = _clean(child.text), child.get("target") or ""
            lines.append(text if not target or target == text else f"{text} ({target})")
        elif tag == "item" and not len(child):
            lines.append(f"- {_clean(child.text)}")
        else:
            _collect(child, lines)


def _bullets(heading: str, items: Iterable[str]) -> str:
    values = _ids.unique(items)
    if not values:
        return ""
    return heading + "\n" + "\n".join(f"- {v}" for v in values)
