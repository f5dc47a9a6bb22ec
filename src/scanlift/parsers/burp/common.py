"""What every Burp Suite variant shares: one issue model and its mapping to scanlift records.

Each Burp reader (Issues XML, Dastardly JUnit, REST API JSON, Enterprise GraphQL JSON, the HTML
reports) fills a :class:`BurpIssue` with plain text, and :func:`records` turns it into records:

* ``flaw_id`` = the numeric Burp issue type (``type`` / ``type_index``) as text. The catch-all type
  0x08000000 that Burp gives to *every* extension-generated issue is not an identity (one file had
  nine unrelated extension issues under it), so such issues, and variants without a type, use
  ``title_flaw_id(title)``.
* severity = Burp's own label (High/Medium/Low/Information) 1:1; an unknown label such as
  "False positive" becomes Informational and the original label is kept as a field.
* asset = the host of the issue's origin URL (``https://ginandjuice.shop`` -> ``ginandjuice.shop``)
  with the IP when the file gives one and the port from the URL (scheme default otherwise);
  location_url = origin + path; vulnerable parameter = the bracketed part of Burp's location
  (``/login.jsp [username parameter]`` -> ``username parameter``).
* description = issue background (falling back to the issue detail when there is none);
  recommendations = remediation background + remediation detail; evidence = issue detail and
  every request/response pair, decoded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers.base import Evidence, InvalidFile, Port, ScanAsset, ScanFinding, ScanRecord, Severity

#: The issue type Burp gives to every issue raised by an extension (BApp): not an identity.
EXTENSION_ISSUE_TYPE = "134217728"

_DEFAULT_PORTS = {"http": "80", "https": "443"}
_CWE_MENTION_RE = re.compile(r"\bCWE-\d{1,5}\b", re.IGNORECASE)
_HREF_RE = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


@dataclass(slots=True)
class BurpIssue:
    """One Burp issue instance, as plain text. Readers fill what their variant carries."""

    title: str
    type_id: str = ""
    severity: str = ""
    confidence: str = ""
    #: ``scheme://host[:port]`` as Burp writes it in ``<host>`` / ``origin``.
    origin: str = ""
    ip: str = ""
    path: str = ""
    #: Burp's location: the path, optionally followed by `` [name parameter]``.
    location: str = ""
    serial: str = ""
    background: str = ""
    detail: str = ""
    remediation_background: str = ""
    remediation_detail: str = ""
    references: tuple[str, ...] = ()
    classifications: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)


class AssetTracker:
    """Yields a ``ScanAsset`` the first time a (host, IP, port) combination is seen.

    The set grows with the number of distinct hosts and ports, not with the number of issues.
    """

    def __init__(self) -> None:
        self._seen: set[tuple[str, str, str]] = set()

    def asset_for(self, issue: BurpIssue) -> ScanAsset | None:
        target = parse_origin(issue.origin)
        if target is None:
            return None
        key = (target.host, issue.ip, target.port.number if target.port else "")
        if key in self._seen:
            return None
        self._seen.add(key)
        return make_asset(target.host, issue.ip, target.port)


@dataclass(frozen=True, slots=True)
class Target:
    host: str
    port: Port | None
    #: ``scheme://host[:port]`` without a trailing slash.
    origin: str


def parse_origin(origin: str) -> Target | None:
    """``https://ginandjuice.shop:443/x`` -> host ``ginandjuice.shop``, port 443/https."""
    text = origin.strip()
    if not text:
        return None
    if "://" not in text:
        text = f"http://{text}"
    try:
        parts = urlsplit(text)
        explicit_port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").strip()
    if not host:
        return None
    scheme = parts.scheme.lower()
    number = str(explicit_port) if explicit_port is not None else _DEFAULT_PORTS.get(scheme, "")
    port = Port(number=number, protocol="tcp", service=scheme) if number else None
    netloc = parts.netloc.rsplit("@", 1)[-1]
    if explicit_port is not None and str(explicit_port) == _DEFAULT_PORTS.get(scheme):
        netloc = netloc[: netloc.rfind(":")]
    return Target(host=host, port=port, origin=f"{scheme}://{netloc}")


def make_asset(host: str, ip: str, port: Port | None) -> ScanAsset:
    host_is_ip = _ids.is_ip(host)
    ips = _ids.unique([host if host_is_ip else "", ip])
    dotted = not host_is_ip and "." in host
    return ScanAsset(
        name=host,
        ips=ips,
        hostname=host if not host_is_ip and not dotted else "",
        fqdn=host if dotted else "",
        ports=(port,) if port else (),
    )


def records(issue: BurpIssue, assets: AssetTracker) -> Iterator[ScanRecord]:
    """The asset record (first time its host is seen) and the finding for one issue."""
    asset = assets.asset_for(issue)
    if asset is not None:
        yield asset
    yield finding(issue)


def finding(issue: BurpIssue) -> ScanFinding:
    target = parse_origin(issue.origin)
    severity = _severity.from_label(issue.severity)
    fields = list(issue.fields)
    if severity is None:
        severity = Severity.INFORMATIONAL
        if issue.severity:
            fields.append(("Burp Severity", issue.severity))
    if issue.confidence:
        fields.append(("Confidence", issue.confidence))
    if issue.type_id:
        fields.append(("Burp Issue Type", issue.type_id))
    if issue.classifications:
        fields.append(("Vulnerability Classifications", issue.classifications))
    detail_evidence = _detail_evidence(issue)
    texts = (
        issue.title,
        issue.detail,
        issue.background,
        issue.remediation_background,
        issue.remediation_detail,
        issue.classifications,
        *issue.references,
    )
    return ScanFinding(
        flaw_id=flaw_id(issue.type_id, issue.title),
        title=issue.title,
        severity=severity,
        description=issue.background or issue.detail,
        recommendations=_text.join_paragraphs(issue.remediation_background, issue.remediation_detail),
        references=_ids.unique(issue.references),
        cves=_ids.find_cves(*texts),
        cwes=cwes_in(issue.classifications),
        fields=tuple((label, value) for label, value in fields if value),
        asset=target.host if target else None,
        port=target.port if target else None,
        location_url=f"{target.origin}{issue.path}" if target else issue.path,
        vulnerable_parameters=parameter_of(issue.location, issue.path),
        evidence=(*detail_evidence, *issue.evidence),
    )


def require_title(source: str, name: str | None, type_id: str, where: str) -> str:
    """The issue name; without one, "Burp issue type N"; with neither, the file is invalid."""
    name = (name or "").strip()
    if name:
        return name
    if type_id.strip():
        return f"Burp issue type {type_id.strip()}"
    raise InvalidFile(source, f"{where} has no issue name and no issue type")


def flaw_id(type_id: str, title: str) -> str:
    type_id = type_id.strip()
    if type_id and type_id != EXTENSION_ISSUE_TYPE:
        return type_id
    return _ids.title_flaw_id(title)


def _detail_evidence(issue: BurpIssue) -> tuple[Evidence, ...]:
    parts = []
    location = issue.location.strip()
    if location and location != issue.path and not parameter_of(location, issue.path):
        parts.append(f"Location: {location}")
    if issue.detail:
        parts.append(issue.detail)
    if not parts:
        return ()
    caption = f"Issue detail (Burp serial {issue.serial})" if issue.serial else "Issue detail"
    return (Evidence(caption=caption, code="\n\n".join(parts)),)


def parameter_of(location: str, path: str) -> tuple[str, ...]:
    """``/login.jsp [username parameter]`` with path ``/login.jsp`` -> ``("username parameter",)``."""
    location = location.strip()
    suffix = location[len(path) :].strip() if path and location.startswith(path) else location
    if suffix.startswith("[") and suffix.endswith("]") and len(suffix) > 2:
        return (suffix[1:-1].strip(),)
    if not path:
        match = re.search(r"\s\[([^\[\]]+)\]$", location)
        if match:
            return (match.group(1).strip(),)
    return ()


def cwes_in(text: str) -> tuple[int, ...]:
    """Every CWE number mentioned in a classification text, in order."""
    numbers = (_ids.parse_cwe(mention) for mention in _CWE_MENTION_RE.findall(text or ""))
    return tuple(dict.fromkeys(n for n in numbers if n is not None))


def references_from_html(markup: str | None) -> tuple[str, ...]:
    """The link targets of a Burp references list; an entry without a link keeps its text."""
    if not markup:
        return ()
    links = _HREF_RE.findall(markup)
    if links:
        return _ids.unique(_text.html_to_text(link) for link in links)
    return _text.split_lines(_text.html_to_text(markup))


def classifications_text(markup: str | None) -> str:
    """A vulnerabilityClassifications list as one line per entry ("CWE-79: ...")."""
    flat = re.sub(r"\s+", " ", markup or "")
    return "\n".join(_text.split_lines(_text.html_to_text(flat)))


def text_evidence(caption: str, lines: Iterable[str]) -> Evidence | None:
    code = "\n".join(line for line in lines if line.strip())
    return Evidence(caption=caption, code=code) if code.strip() else None
