"""Reading the issues of a Burp HTML report in one pass, whichever of its layouts the report uses."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from scanlift.parsers._lib.xml import release
from scanlift.parsers.base import Evidence, ScanRecord
from scanlift.parsers.burp import common as _burp
from scanlift.parsers.burphtml.elements import (
    SOURCE,
    block_text,
    classes_of,
    content_of,
    inner_html,
    is_inside,
    message_text,
    section_name,
)
from scanlift.parsers.burphtml.sections import SECTIONS, TYPE_SECTIONS, Exchanges, apply_section

_KB_TYPE_RE = re.compile(r"/issues/details/([0-9a-fA-F]{8})_")

_NUMBER_PREFIX_RE = re.compile(r"^\d+(?:\.\d+)*\.\s*")

_ISSUE_COUNT_RE = re.compile(r"\s*\[\d+\]$")

# --- layouts --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    severity: str
    confidence: str
    site: str
    type_name: str
    path: str


@dataclass(slots=True)
class _ProType:
    title: str
    type_id: str
    texts: dict[str, str] = field(default_factory=dict)
    references: tuple[str, ...] = ()


@dataclass(slots=True)
class _ProInstance:
    heading_text: str = ""
    summary: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    exchanges: Exchanges = field(default_factory=Exchanges)
    extra: list[Evidence] = field(default_factory=list)


_NESTED = frozenset({"TEXT", "rr_div", "summary_table", "issue-container"})


class IssueReader:
    """State machine over finished elements; yields records as soon as an issue is complete."""

    def __init__(self) -> None:
        self.assets = _burp.AssetTracker()
        # Enterprise layouts
        self.rows: dict[str, _Row] = {}
        self.summary_site = ""
        self.detail_site = ""
        self.type_name = ""
        # Professional layout
        self.pro_type: _ProType | None = None
        self.pro_instance: _ProInstance | None = None
        self.heading = ""

    def handle(self, element: etree._Element) -> Iterator[ScanRecord]:
        tag = element.tag
        classes = classes_of(element)
        if tag == "head":
            release(element)
        elif tag == "h1":
            self._site_heading(content_of(element))
        elif tag == "tr" and _in_issue_table(element):
            self._summary_row(element)
            release(element)
        elif tag == "div" and "issue-container" in classes:
            yield from self._enterprise_issue(element)
            release(element)
        elif tag == "div" and "section" in classes and not is_inside(element, _NESTED):
            release(element)
        elif tag == "span" and "BODH0" in classes:
            yield from self._flush_pro()
            self._start_pro_type(element)
            release(element)
        elif tag == "span" and "BODH1" in classes and self.pro_type is not None:
            yield from self._flush_pro()
            self.pro_instance = _ProInstance(heading_text=_NUMBER_PREFIX_RE.sub("", content_of(element)))
            self.heading = ""
            release(element)
        elif self.pro_type is not None and not is_inside(element, _NESTED):
            self._pro_block(element, tag, classes)

    def finish(self) -> Iterator[ScanRecord]:
        yield from self._flush_pro()

    # Enterprise ------------------------------------------------------------------------------

    def _site_heading(self, text: str) -> None:
        for prefix in ("Issues found on ", "More details for "):
            if text.startswith(prefix):
                site = text[len(prefix) :].strip()
                if prefix.startswith("Issues"):
                    self.summary_site = site
                else:
                    self.detail_site = site

    def _summary_row(self, row: etree._Element) -> None:
        cells = row.findall("td")
        if len(cells) == 1 or "issue-type-row" in classes_of(row):
            self.type_name = _ISSUE_COUNT_RE.sub("", content_of(cells[0])) if cells else ""
            return
        if len(cells) < 4:
            return
        link = cells[3].find(".//a[@href]")
        anchor = (link.get("href") or "").lstrip("#") if link is not None else ""
        if anchor:
            self.rows[anchor] = _Row(
                severity=content_of(cells[1]),
                confidence=content_of(cells[2]),
                site=self.summary_site,
                type_name=self.type_name,
                path=content_of(cells[0]),
            )

    def _enterprise_issue(self, container: etree._Element) -> Iterator[ScanRecord]:
        named = container.find(".//a[@name]")
        anchor = (named.get("name") or "") if named is not None else ""
        row = self.rows.pop(anchor, None)
        title_element = container.find(".//h2")
        title = content_of(title_element) if title_element is not None else ""
        path_element = title_element.getnext() if title_element is not None else None
        path = content_of(path_element) if path_element is not None and path_element.tag == "a" else ""
        if not path and row is not None:
            path = row.path
        issue = _burp.BurpIssue(
            title=_burp.require_title(SOURCE, title or (row.type_name if row else ""), "", f"issue {anchor or '?'}"),
            severity=row.severity if row else "",
            confidence=row.confidence if row else "",
            origin=(row.site if row and row.site else self.detail_site),
            path=path.split(" [", 1)[0],
            location=path,
            serial=anchor,
        )
        if row is None:
            issue.fields.append(("Burp Severity", "not listed in the report's summary tables"))
        exchanges = Exchanges()
        for heading in container.iter("h3"):
            name = section_name(content_of(heading))
            body = heading.getnext()
            if body is None:
                continue
            if exchanges.add(name, message_text(body)):
                continue
            apply_section(issue, name, body)
        issue.evidence[:0] = exchanges.evidence()
        yield from _burp.records(issue, self.assets)

    # Professional ------------------------------------------------------------------------------

    def _start_pro_type(self, span: etree._Element) -> None:
        link = span.find(".//a[@href]")
        match = _KB_TYPE_RE.search(link.get("href") or "") if link is not None else None
        self.pro_type = _ProType(
            title=_NUMBER_PREFIX_RE.sub("", content_of(span)),
            type_id=str(int(match.group(1), 16)) if match else "",
        )
        self.pro_instance = _ProInstance()
        self.heading = ""

    def _pro_block(self, element: etree._Element, tag: str, classes: set[str]) -> None:
        instance = self.pro_instance
        if instance is None:
            return
        if tag == "h2":
            self.heading = section_name(content_of(element))
        elif tag == "table" and "summary_table" in classes:
            for row in element.iter("tr"):
                cells = [content_of(td) for td in row.findall("td") if "icon" not in classes_of(td)]
                for label, value in zip(cells[::2], cells[1::2], strict=False):
                    instance.summary[label.rstrip(":").strip()] = value
        elif tag == "div" and "rr_div" in classes:
            text = message_text(element)
            if not instance.exchanges.add(self.heading, text) and text:
                instance.extra.append(Evidence(caption=self.heading or "Evidence", code=text))
        elif tag == "span" and "TEXT" in classes and self.heading:
            self._pro_text(element, instance)
        else:
            return
        release(element)

    def _pro_text(self, element: etree._Element, instance: _ProInstance) -> None:
        assert self.pro_type is not None
        key = SECTIONS.get(self.heading.lower())
        if key == "references":
            self.pro_type.references = _burp.references_from_html(inner_html(element))
        elif key == "classifications":
            self.pro_type.texts[key] = _burp.classifications_text(inner_html(element))
        elif key in TYPE_SECTIONS:
            self.pro_type.texts[key] = block_text(element)
        elif key is not None:
            instance.texts[key] = block_text(element)
        else:
            text = block_text(element)
            if text:
                instance.extra.append(Evidence(caption=self.heading, code=text))

    def _flush_pro(self) -> Iterator[ScanRecord]:
        kind, instance = self.pro_type, self.pro_instance
        self.pro_instance = None
        if kind is None or instance is None or not instance.summary:
            return
        summary = instance.summary
        host, path = summary.get("Host", ""), summary.get("Path", "")
        location = instance.heading_text
        if host and location.startswith(host):
            location = location[len(host) :]
        issue = _burp.BurpIssue(
            title=kind.title,
            type_id=kind.type_id,
            severity=summary.get("Severity", ""),
            confidence=summary.get("Confidence", ""),
            origin=host,
            path=path,
            location=location or path,
            background=kind.texts.get("background", ""),
            detail=instance.texts.get("detail", ""),
            remediation_background=kind.texts.get("remediation_background", ""),
            remediation_detail=instance.texts.get("remediation_detail", ""),
            references=kind.references,
            classifications=kind.texts.get("classifications", ""),
            evidence=[*instance.exchanges.evidence(), *instance.extra],
        )
        yield from _burp.records(issue, self.assets)


def _in_issue_table(row: etree._Element) -> bool:
    parent = row.getparent()
    if parent is not None and parent.tag in ("tbody", "thead"):
        parent = parent.getparent()
    return parent is not None and parent.tag == "table" and "issue-table" in classes_of(parent)
