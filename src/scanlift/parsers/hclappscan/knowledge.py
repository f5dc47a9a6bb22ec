"""The report's knowledge sections (issue types, advisories, fix groups, entities), by id."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.xml import local_name
from scanlift.parsers.hclappscan.markup import (
    child_text,
    clean,
    cwes_of_links,
    link_targets,
    rich_text,
)

#: Item reference kind -> the lookup groups that resolve it.
ITEM_REFS: dict[str, tuple[str, ...]] = {
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
TYPE_REFS: dict[str, tuple[str, ...]] = {
    "advisory": ("advisory-group", "article-group"),
    "remediation": ("remediation-group",),
    "threat-class": ("threat-class-group",),
    "fix-recommendation": ("fix-recommendation-group",),
    "causes": ("cause-group",),
    "security-risks": ("security-risk-group",),
    "affected-products": ("affected-product-group",),
}

#: Headings of the technology-specific sections of a fix recommendation.
FIX_SECTIONS = {"general": "", "asp-dot-net": "ASP.NET", "j2ee": "J2EE", "php": "PHP"}


# ---------------------------------------------------------------------------------------------
# Lookup groups


@dataclass(slots=True)
class IssueType:
    name: str = ""
    cves: tuple[str, ...] = ()
    cwes: tuple[int, ...] = ()
    xfid: str = ""
    refs: dict[str, list[str]] = field(default_factory=dict)


@dataclass(slots=True)
class Advice:
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
class Entity:
    name: str = ""
    url: str = ""
    kind: str = ""


@dataclass(slots=True)
class Groups:
    application: str = ""
    issue_types: dict[str, IssueType] = field(default_factory=dict)
    advice: dict[str, Advice] = field(default_factory=dict)
    fixes: dict[str, str] = field(default_factory=dict)
    remediations: dict[str, tuple[str, str]] = field(default_factory=dict)
    threat_classes: dict[str, tuple[str, str]] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)
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
            self.remediations[item_id] = (child_text(item, "name"), child_text(item, "priority"))
        elif group == "threat-class-group":
            self.threat_classes[item_id] = (_text.clean(item.text), item.get("href") or "")
        elif group == "url-group":
            self.urls[item_id] = child_text(item, "name")
        elif group == "entity-group":
            self.entities[item_id] = Entity(
                name=child_text(item, "name"),
                url=child_text(item, "url-name"),
                kind=child_text(item, "entity-type"),
            )
        elif group in ("cause-group", "security-risk-group", "affected-product-group"):
            self.texts.setdefault(group, {})[item_id] = _text.clean(item.text)
        elif group == "fix-group-group":
            self.fix_groups[item_id] = child_text(item, "Location")
        else:
            return
        self.seen.setdefault(group, set()).add(item_id)

    def has(self, ident: str, groups: tuple[str, ...]) -> bool:
        return any(ident in self.seen.get(g, ()) for g in groups)

    def resolves(self, raw: dict[str, Any]) -> bool:
        """True when every id the item (and its issue type) refers to is already known."""
        refs: dict[str, list[str]] = raw["refs"]
        for kind, ids in refs.items():
            groups = ITEM_REFS.get(kind)
            if groups and not all(self.has(i, groups) for i in ids):
                return False
        issue_type = self.issue_types.get(raw["type"])
        if issue_type is None:
            return False
        for kind, ids in issue_type.refs.items():
            groups = TYPE_REFS.get(kind)
            if groups and not all(self.has(i, groups) for i in ids):
                return False
        return True

    def text(self, group: str, ident: str) -> str:
        return self.texts.get(group, {}).get(ident, "")


def _issue_type(item: etree._Element) -> IssueType:
    refs = {
        local_name(str(child.tag)): [r for r in (clean(ref.text) for ref in child.iterchildren("ref")) if r]
        for child in item
        if isinstance(child.tag, str) and child.find("ref") is not None
    }
    cwe = _ids.parse_cwe(child_text(item, "cwe"))
    return IssueType(
        name=child_text(item, "name"),
        cves=_ids.find_cves(child_text(item, "cve")),
        cwes=(cwe,) if cwe is not None else (),
        xfid=child_text(item, "xfid"),
        refs=refs,
    )


def _advisory(item: etree._Element) -> Advice:
    advisory = item.find("advisory")
    if advisory is None:
        return Advice()
    threat = advisory.find("threatClassification")
    threat_name = child_text(threat, "name") if threat is not None else ""
    threat_ref = child_text(threat, "reference") if threat is not None else ""
    references = [threat_ref]
    references += link_targets(advisory.find("references"))
    references += link_targets(advisory.find("xfid"))
    causes = advisory.find("causes")
    return Advice(
        name=child_text(advisory, "name"),
        test_type=child_text(advisory, "testDescription"),
        threat_class=threat_name,
        technical=rich_text(advisory.find("testTechnicalDescription")),
        causes=_ids.unique(clean(c.text) for c in causes) if causes is not None else (),
        risks=rich_text(advisory.find("securityRisks")),
        exploit=rich_text(advisory.find("exploitExample")),
        affected=rich_text(advisory.find("affectedProducts")),
        references=_ids.unique(references),
        cwes=cwes_of_links(advisory.find("cwe")),
        fix_ids=_ids.unique(clean(f.text) for f in advisory.iterfind("fixRecommendations/fixRecommendation")),
    )


def _article(item: etree._Element) -> Advice:
    """ASoC ``article-group`` item: JSON-like arrays of ``<item type="string">``."""

    def strings(tag: str) -> list[str]:
        return [(i.text or "").rstrip() for i in item.iterfind(f"{tag}/item")]

    references = [
        child_text(ref, "url") or child_text(ref, "title") for ref in item.iterfind("externalReferences/item")
    ]
    cwe = _ids.parse_cwe(child_text(item, "cwe"))
    return Advice(
        name=child_text(item, "displayName"),
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
        heading = FIX_SECTIONS.get(local_name(child.tag), local_name(child.tag))
        body = rich_text(child)
        if body:
            parts.append(f"{heading}:\n{body}" if heading else body)
    return _text.join_paragraphs(*parts)


def first_of(table: dict[str, Advice], ids: Iterable[str]) -> Advice:
    return next((table[i] for i in ids if i in table), Advice())
