"""What the titled sections of a Burp HTML issue hold, and where each goes in the issue."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from scanlift.parsers._lib import text as _text
from scanlift.parsers.base import Evidence
from scanlift.parsers.burp.common import BurpIssue, classifications_text, references_from_html
from scanlift.parsers.burp.messages import pair_evidence
from scanlift.parsers.burphtml.elements import block_text, content_of, inner_html, message_text

_EXCHANGE_RE = re.compile(r"^(request|response)\s*(\d*)$", re.IGNORECASE)

#: Section titles (lower case, without a trailing colon) and the issue attribute they fill.
SECTIONS = {
    "issue detail": "detail",
    "issue background": "background",
    "issue description": "background",
    "issue remediation": "remediation_background",
    "remediation background": "remediation_background",
    "remediation detail": "remediation_detail",
    "references": "references",
    "vulnerability classifications": "classifications",
}

#: Sections that belong to the issue type in the Professional layout (shared by its instances).
TYPE_SECTIONS = frozenset({"background", "remediation_background", "references", "classifications"})


@dataclass(slots=True)
class Exchanges:
    """Request/response blocks of one instance, paired by their number ("Request 2")."""

    pairs: dict[int, list[str]] = field(default_factory=dict)

    def add(self, heading: str, text: str) -> bool:
        match = _EXCHANGE_RE.match(heading)
        if not match:
            return False
        number = int(match.group(2) or 1)
        pair = self.pairs.setdefault(number, ["", ""])
        pair[0 if match.group(1).lower() == "request" else 1] = text
        return True

    def evidence(self) -> list[Evidence]:
        found = (pair_evidence(n, req, resp) for n, (req, resp) in sorted(self.pairs.items()))
        return [e for e in found if e is not None]


def apply_section(issue: BurpIssue, name: str, body: etree._Element) -> None:
    """Put one titled section of an Enterprise issue where it belongs."""
    key = SECTIONS.get(name.lower())
    if key == "references":
        issue.references = references_from_html(inner_html(body))
    elif key == "classifications":
        issue.classifications = classifications_text(inner_html(body))
    elif key is not None:
        current = getattr(issue, key)
        setattr(issue, key, _text.join_paragraphs(current, block_text(body)))
    elif name.lower() == "issue origin":
        issue.fields.append(("Issue Origin", block_text(body)))
    else:
        text = block_text(body) if not body.findall(".//pre") else _pre_text(body)
        if text:
            issue.evidence.append(Evidence(caption=name, code=text))


def _pre_text(body: etree._Element) -> str:
    """A section with ``<pre>`` blocks (dynamic analysis): prose collapsed, code kept verbatim."""
    lines: list[str] = []
    for element in body.iter("p", "pre"):
        if element.tag == "pre":
            lines.append(message_text(element))
        else:
            lines.append(content_of(element))
    return "\n".join(line for line in lines if line)
