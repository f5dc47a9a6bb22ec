"""One AppScan issue as a finding, its references resolved against the groups, and the assets."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers.base import (
    Evidence,
    Port,
    ScanAsset,
    ScanFinding,
    Score,
    Severity,
)
from scanlift.parsers.hclappscan.knowledge import ITEM_REFS, Groups, IssueType, first_of
from scanlift.parsers.hclappscan.markup import (
    bullets,
)

_DEFAULT_PORTS = {"http": "80", "https": "443"}


def sighting(raw: dict[str, Any], groups: Groups, assets: dict[str, dict[str, Port] | None]) -> ScanFinding:
    type_id: str = raw["type"]
    inline: dict[str, str] = raw["inline"]
    refs: dict[str, list[str]] = raw["refs"]
    issue_type = groups.issue_types.get(type_id, IssueType())
    type_refs = issue_type.refs
    advice = first_of(groups.advice, [*refs.get("advisory", []), *type_refs.get("advisory", []), type_id])
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
        bullets("Causes:", causes),
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


def _where(raw: dict[str, Any], groups: Groups, url: str) -> tuple[str, Port | None, str, bool]:
    """(asset name, port, location, whether it is a code location) of an issue."""
    inline: dict[str, str] = raw["inline"]
    source_file = inline.get("source-file") or inline.get("@filename", "")
    if source_file:
        line = inline.get("line", "")
        location = inline.get("location") or (f"{source_file}:{line}" if line else source_file)
        return groups.application or source_file, None, location, True
    location = url or inline.get("location", "")
    try:
        parts = urlsplit(location) if "://" in location else None
    except ValueError:  # an unclosed IPv6 bracket: the location stays, naming no host
        parts = None
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


def _resolve_lines(text: str, groups: Groups, group: str) -> str:
    """Old (2.42) advisories list security-risk / affected-product *ids*; newer ones hold the text."""
    table = groups.texts.get(group, {})
    lines = []
    for line in text.split("\n") if text else ():
        key = line.strip()
        lines.append(table.get(key) or table.get(key.removeprefix("AffectedProduct_")) or line)
    return _text.clean("\n".join(lines))


def _unresolved(refs: dict[str, list[str]], groups: Groups) -> list[tuple[str, str]]:
    """References the document never defines, kept as-is (AppScan ids such as cause names)."""
    labels = {"cause-id": "Cause", "security-risks": "Security Risk", "entity": "Entity ID", "url": "URL ID"}
    out = []
    for kind, label in labels.items():
        missing = [i for i in refs.get(kind, []) if not groups.has(i, ITEM_REFS[kind])]
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


def asset_record(name: str, ports: dict[str, Port] | None) -> ScanAsset:
    """A web host (DAST), or the application or source file a SAST issue is in (``ports`` None)."""
    if ports is None:
        return ScanAsset(name=name, type="Application")
    try:
        ip = str(ipaddress.ip_address(name))
    except ValueError:
        return ScanAsset(name=name, hostname=name, ports=tuple(ports.values()))
    return ScanAsset(name=name, ips=(ip,), ports=tuple(ports.values()))
