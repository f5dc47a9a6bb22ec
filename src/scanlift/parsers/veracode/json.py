"""Veracode Findings REST API JSON, read by the ``veracode`` source (see ``veracode.py``).

The API (``/appsec/v2/applications/{guid}/findings``) answers ``{"_embedded": {"findings": […]},
"_links": …, "page": …}``; tools that gather every page write ``{"findings": […]}``. Each finding
has a ``scan_type`` (STATIC, DYNAMIC, MANUAL, SCA), an HTML ``description``, a ``finding_status``
and scan-type-specific ``finding_details``.

Mapping, kept in step with the Detailed Report XML mapping in ``veracode.py`` so that both exports
of one scan give the same flaw ids, severities and tags (docs/sources.md (veracode)):

- STATIC, DYNAMIC and MANUAL findings: ``flaw_id`` = the CWE id (``finding_details.cwe.id``, the
  XML's ``cweid``); title = the CWE name (the XML flaw's ``categoryname``). Severity is Veracode's
  0-5 scale (0 and 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical). The description is
  three ``<span>``s (the flaw, its remediation, its references): the first becomes the
  description, the following ones the recommendations, the links the references. Tags SAST, DAST,
  Manual. Static flaws sit on the application at ``file_path:file_line_number`` with the file,
  function, module and attack vector as evidence; dynamic flaws (and manual flaws located at a
  URL) sit on the URL's host and port, with the URL as location and ``vulnerable_parameter``.
- SCA findings: ``flaw_id`` = ``cve.name`` (the CVE id, or Veracode's ``SRCCLR-SID-…`` id when
  the vulnerability has no CVE); title "<CVE> in <library>", the library being the component
  file name without its archive extension and version; CVSS v2 and v3 vectors and scores as typed
  scores (the API says which version each is); on the application, located at the first
  component path, every path in the evidence. Tag SCA.
- Status (``finding_status``), policy violation and mitigation annotations are kept as fields;
  closed and mitigated findings are kept, as the XML reader keeps them.

The JSON names no application: static, SCA and non-URL manual findings sit on an ``Application``
asset named after the finding's context (``Veracode app <context_guid>``, or ``Veracode sandbox
<guid>`` for sandbox findings).

Veracode's 0-5 scale, the exploitability labels and the URL → host rule live here and are shared
with the XML reader, so the two cannot drift apart.

Streaming: ``_json.iter_items`` yields one finding dict at a time from ``findings.item`` or
``_embedded.findings.item``, decided from the first bytes. Only the host → ports table of dynamic
findings and the set of contexts seen (both bounded by hosts/applications) are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.json import head_events, iter_items, top_level_is_array, top_level_keys
from scanlift.parsers.base import (
    Evidence,
    InvalidFile,
    Port,
    ScanAsset,
    ScanFinding,
    ScanRecord,
    Severity,
)
from scanlift.parsers.veracode.json_sca import sca_finding
from scanlift.parsers.veracode.json_values import (
    as_object,
    exploit_level,
    host_asset,
    int_text,
    json_type,
    status_fields,
    text_of,
    url_host,
)

SOURCE = "veracode"


#: JSON ``scan_type`` -> the tag PlexTrac adds (the XML reader uses the same tags).
SCAN_TAGS: Mapping[str, str] = {"STATIC": "SAST", "DYNAMIC": "DAST", "MANUAL": "Manual", "SCA": "SCA"}

#: Keys of a finding, one of which must be in the first one seen for the file to be claimed.
_FINDING_MARKERS = frozenset({"scan_type", "finding_details"})

_SPAN_RE = re.compile(r"<span\b[^>]*>(.*?)</span\s*>", re.IGNORECASE | re.DOTALL)
_HREF_RE = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_ANCHOR_RE = re.compile(r"<a\b[^>]*>.*?</a\s*>", re.IGNORECASE | re.DOTALL)
_REFERENCES_RE = re.compile(r"^\s*references\s*:", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# Detection


def claims(head: bytes) -> bool:
    """True when the first bytes are a Findings API document: a findings list whose first item
    has Veracode's ``scan_type``/``finding_details`` keys (so SCA workspace ``_embedded.issues``
    and other tools' ``findings`` lists are not claimed)."""
    keys = top_level_keys(head)
    if not keys:
        return False
    container = _container(head, keys)
    return container is not None and bool(_keys_in_head(head, f"{container}.item") & _FINDING_MARKERS)


def _container(head: bytes, keys: set[str]) -> str | None:
    """``findings`` or ``_embedded.findings``: where the findings list is, judged from the head."""
    if "findings" in keys:
        return "findings"
    if "_embedded" in keys and "findings" in _keys_in_head(head, "_embedded"):
        return "_embedded.findings"
    return None


def _keys_in_head(head: bytes, prefix: str) -> set[str]:
    """Keys of the first object at ijson ``prefix`` seen in the first bytes (which may be cut)."""
    keys: set[str] = set()
    for path, event, value in head_events(head):
        if path == prefix:
            if event == "map_key":
                keys.add(str(value))
            elif event == "end_map":
                break
    return keys


# ---------------------------------------------------------------------------------------------
# Reading


def records(head: bytes, stream: BinaryIO) -> Iterator[ScanRecord]:
    """Records of a Findings API document; ``stream`` yields the whole file, ``head`` its start."""
    container = _container_or_refuse(head)
    if container is None:
        return
    applications: set[str] = set()
    hosts: dict[str, dict[str, Port]] = {}
    for index, item in enumerate(iter_items(stream, f"{container}.item", source=SOURCE)):
        if not isinstance(item, dict):
            raise InvalidFile(SOURCE, f"{container}[{index}] is {json_type(item)}, expected a finding object")
        application = _application(item)
        if application not in applications:
            applications.add(application)
            yield ScanAsset(name=application, type="Application")
        finding = (
            sca_finding(item, application)
            if text_of(item.get("scan_type")).upper() == "SCA"
            else _flaw(item, application)
        )
        if finding.asset and finding.asset != application:
            ports = hosts.setdefault(finding.asset, {})
            if finding.port is not None:
                ports.setdefault(finding.port.number, finding.port)
        yield finding
    for name, ports in hosts.items():
        yield host_asset(name, tuple(ports.values()))


def _container_or_refuse(head: bytes) -> str | None:
    """Where the findings are, None for an empty results page, or ``InvalidFile`` naming what was found."""
    expected = "expected findings or _embedded.findings (Veracode Findings REST API) or a <detailedreport>"
    if top_level_is_array(head):
        raise InvalidFile(SOURCE, f"found a JSON array; {expected}")
    keys = top_level_keys(head)
    if keys is None:
        raise InvalidFile(SOURCE, f"found neither XML nor a JSON object; {expected}")
    container = _container(head, keys)
    if container is not None:
        return container
    embedded = _keys_in_head(head, "_embedded") if "_embedded" in keys else set()
    if "issues" in embedded:
        raise InvalidFile(
            SOURCE,
            "found a JSON document of Veracode SCA workspace issues (_embedded.issues, the SourceClear "
            f"export); {expected}",
        )
    if "page" in keys and keys <= {"page", "_links"}:
        return None  # an empty results page: the API leaves out _embedded when nothing was found
    found = ", ".join(sorted(keys)) or "(none)"
    inside = f" (_embedded holds {', '.join(sorted(embedded))})" if embedded else ""
    raise InvalidFile(SOURCE, f"top-level keys are {found}{inside}; {expected}")


def _application(item: Mapping[str, Any]) -> str:
    guid = text_of(item.get("context_guid")) or "?"
    kind = "sandbox" if text_of(item.get("context_type")).upper() == "SANDBOX" else "app"
    return f"Veracode {kind} {guid}"


# ---------------------------------------------------------------------------------------------
# Static, dynamic and manual findings


def _flaw(item: Mapping[str, Any], application: str) -> ScanFinding:
    details = as_object(item.get("finding_details"))
    scan_type = text_of(item.get("scan_type")).upper()
    tag = SCAN_TAGS.get(scan_type, "")
    cwe = as_object(details.get("cwe"))
    cweid = _ids.parse_cwe(text_of(cwe.get("id")))
    category = as_object(details.get("finding_category"))
    title = (
        text_of(cwe.get("name"))
        or text_of(category.get("name"))
        or (f"Veracode CWE-{cweid}" if cweid is not None else f"Veracode {scan_type.lower() or 'finding'}")
    )
    markup = text_of(item.get("description"))
    body, remediation, references = _split_description(markup)
    manual = [_text.html_to_text(text_of(details.get(k))) for k in ("exploit_desc", "severity_desc")]

    url = text_of(details.get("url"))
    location = text_of(details.get("location"))
    if not url and "://" in location:
        url = location
    asset: str = application
    port: Port | None = None
    if url:
        asset, port = url_host(url, application)
    elif text_of(details.get("hostname")):
        asset = text_of(details.get("hostname"))
        port = Port(number=text_of(details.get("port"))) if text_of(details.get("port")) else None
    source_file = _source_file(details)
    parameter = text_of(details.get("vulnerable_parameter")) or text_of(details.get("input_vector"))
    attack_vector = ("Attack Vector" if scan_type == "DYNAMIC" else "Flaw Type", text_of(details.get("attack_vector")))

    fields = [
        attack_vector,
        ("Module", text_of(details.get("module"))),
        ("Finding Category", text_of(category.get("name"))),
        ("Plugin", text_of(details.get("plugin"))),
        ("Discovered by VSA", text_of(details.get("discovered_by_vsa"))),
        ("CAPEC ID", text_of(details.get("capec_id"))),
        ("Input Vector", text_of(details.get("input_vector"))),
        ("CVSS Score", text_of(details.get("cvss"))),
        ("Exploit Level", exploit_level(details.get("exploitability"))),
        *status_fields(item),
    ]
    if not tag:
        fields.append(("Scan Type", text_of(item.get("scan_type")) or "(missing)"))
    raw_severity = details.get("severity", item.get("severity"))
    severity = _severity.from_scale(int_text(raw_severity), _severity.ZERO_TO_FIVE)
    if severity is None:
        fields.append(("Veracode Severity", text_of(raw_severity) or "(missing)"))
    fields.append(("Issue ID", text_of(item.get("issue_id"))))

    description = _text.join_paragraphs(body, *manual)
    return ScanFinding(
        flaw_id=str(cweid) if cweid is not None else _ids.title_flaw_id(title),
        title=title,
        severity=severity or Severity.INFORMATIONAL,
        description=description,
        recommendations=_text.join_paragraphs(
            _text.html_to_text(text_of(details.get("remediation_desc"))), remediation
        ),
        references=references,
        cves=_ids.find_cves(description, remediation, markup),  # the markup: CVEs in link targets too
        cwes=(cweid,) if cweid is not None else (),
        tags=(tag,) if tag else (),
        fields=tuple((label, value) for label, value in fields if value),
        asset=asset,
        port=port,
        location_url=url or source_file or location,
        vulnerable_parameters=(parameter,) if parameter else (),
        evidence=_flaw_evidence(details, tag, source_file, text_of(item.get("issue_id"))),
    )


def _split_description(markup: str) -> tuple[str, str, tuple[str, ...]]:
    """(description, remediation, reference links) of Veracode's ``<span>…</span>`` description."""
    references = _ids.unique(a or b for a, b in _HREF_RE.findall(markup))
    spans = _SPAN_RE.findall(markup)
    if not spans:
        return _text.html_to_text(markup), "", references
    texts: list[str] = []
    for span in spans:
        if _REFERENCES_RE.match(_text.html_to_text(span)) or not _text.html_to_text(_ANCHOR_RE.sub("", span)):
            continue  # the "References: <a>…</a>" block: its links are the references
        texts.append(_text.html_to_text(span))
    outside = _text.html_to_text(_SPAN_RE.sub(" ", markup))
    if outside:
        texts.append(outside)
    if not texts:
        return "", "", references
    return texts[0], _text.join_paragraphs(*texts[1:]), references


def _source_file(details: Mapping[str, Any]) -> str:
    """``file_path:file_line_number`` of a static finding (``file_path`` is the whole path)."""
    path, name, line = (text_of(details.get(k)) for k in ("file_path", "file_name", "file_line_number"))
    where = path or name
    return f"{where}:{line}" if where and line else where


def _flaw_evidence(details: Mapping[str, Any], tag: str, source_file: str, issue: str) -> tuple[Evidence, ...]:
    path, name = text_of(details.get("file_path")), text_of(details.get("file_name"))
    rows = [
        ("Source file", source_file),
        ("File name", name if path and name and not path.endswith(name) else ""),
        ("Function", text_of(details.get("procedure"))),
        ("Relative location in function (%)", text_of(details.get("relative_location"))),
        ("Module", text_of(details.get("module"))),
        ("Attack vector" if tag == "DAST" else "Flaw type", text_of(details.get("attack_vector"))),
        ("URL", text_of(details.get("url"))),
        ("Vulnerable parameter", text_of(details.get("vulnerable_parameter"))),
        ("Plugin", text_of(details.get("plugin"))),
        ("Location", text_of(details.get("location"))),
        ("Input vector", text_of(details.get("input_vector"))),
    ]
    text = "\n".join(f"{label}: {value}" for label, value in rows if value)
    if not text:
        return ()
    caption = {"SAST": "Static flaw location", "DAST": "Dynamic flaw location"}.get(tag, "Flaw location")
    return (Evidence(caption=f"{caption} (issue {issue})" if issue else caption, code=text),)
