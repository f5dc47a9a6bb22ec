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

import ipaddress
import re
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO
from urllib.parse import urlsplit

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
    Score,
    Severity,
)

SOURCE = "veracode"


#: Veracode static exploitability (XML ``exploitLevel``, JSON ``exploitability``), -2…2.
EXPLOIT_LEVELS: Mapping[str, str] = {
    "-2": "Very Unlikely",
    "-1": "Unlikely",
    "0": "Neutral",
    "1": "Likely",
    "2": "Very Likely",
}

#: JSON ``scan_type`` -> the tag PlexTrac adds (the XML reader uses the same tags).
SCAN_TAGS: Mapping[str, str] = {"STATIC": "SAST", "DYNAMIC": "DAST", "MANUAL": "Manual", "SCA": "SCA"}

#: Keys of a finding, one of which must be in the first one seen for the file to be claimed.
_FINDING_MARKERS = frozenset({"scan_type", "finding_details"})

_DEFAULT_PORTS = {"http": "80", "https": "443"}
_SPAN_RE = re.compile(r"<span\b[^>]*>(.*?)</span\s*>", re.IGNORECASE | re.DOTALL)
_HREF_RE = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_ANCHOR_RE = re.compile(r"<a\b[^>]*>.*?</a\s*>", re.IGNORECASE | re.DOTALL)
_REFERENCES_RE = re.compile(r"^\s*references\s*:", re.IGNORECASE)
_ARCHIVES = (".tar.gz", ".tgz", ".jar", ".war", ".ear", ".aar", ".zip", ".whl", ".egg", ".gem", ".nupkg", ".dll")


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
            raise InvalidFile(SOURCE, f"{container}[{index}] is {_json_type(item)}, expected a finding object")
        application = _application(item)
        if application not in applications:
            applications.add(application)
            yield ScanAsset(name=application, type="Application")
        finding = _sca(item, application) if _str(item.get("scan_type")).upper() == "SCA" else _flaw(item, application)
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
    guid = _str(item.get("context_guid")) or "?"
    kind = "sandbox" if _str(item.get("context_type")).upper() == "SANDBOX" else "app"
    return f"Veracode {kind} {guid}"


# ---------------------------------------------------------------------------------------------
# Static, dynamic and manual findings


def _flaw(item: Mapping[str, Any], application: str) -> ScanFinding:
    details = _obj(item.get("finding_details"))
    scan_type = _str(item.get("scan_type")).upper()
    tag = SCAN_TAGS.get(scan_type, "")
    cwe = _obj(details.get("cwe"))
    cweid = _ids.parse_cwe(_str(cwe.get("id")))
    category = _obj(details.get("finding_category"))
    title = (
        _str(cwe.get("name"))
        or _str(category.get("name"))
        or (f"Veracode CWE-{cweid}" if cweid is not None else f"Veracode {scan_type.lower() or 'finding'}")
    )
    markup = _str(item.get("description"))
    body, remediation, references = _split_description(markup)
    manual = [_text.html_to_text(_str(details.get(k))) for k in ("exploit_desc", "severity_desc")]

    url = _str(details.get("url"))
    location = _str(details.get("location"))
    if not url and "://" in location:
        url = location
    asset: str = application
    port: Port | None = None
    if url:
        asset, port = url_host(url, application)
    elif _str(details.get("hostname")):
        asset = _str(details.get("hostname"))
        port = Port(number=_str(details.get("port"))) if _str(details.get("port")) else None
    source_file = _source_file(details)
    parameter = _str(details.get("vulnerable_parameter")) or _str(details.get("input_vector"))
    attack_vector = ("Attack Vector" if scan_type == "DYNAMIC" else "Flaw Type", _str(details.get("attack_vector")))

    fields = [
        attack_vector,
        ("Module", _str(details.get("module"))),
        ("Finding Category", _str(category.get("name"))),
        ("Plugin", _str(details.get("plugin"))),
        ("Discovered by VSA", _str(details.get("discovered_by_vsa"))),
        ("CAPEC ID", _str(details.get("capec_id"))),
        ("Input Vector", _str(details.get("input_vector"))),
        ("CVSS Score", _str(details.get("cvss"))),
        ("Exploit Level", _exploit_level(details.get("exploitability"))),
        *_status_fields(item),
    ]
    if not tag:
        fields.append(("Scan Type", _str(item.get("scan_type")) or "(missing)"))
    raw_severity = details.get("severity", item.get("severity"))
    severity = _severity.from_scale(_int_text(raw_severity), _severity.ZERO_TO_FIVE)
    if severity is None:
        fields.append(("Veracode Severity", _str(raw_severity) or "(missing)"))
    fields.append(("Issue ID", _str(item.get("issue_id"))))

    description = _text.join_paragraphs(body, *manual)
    return ScanFinding(
        flaw_id=str(cweid) if cweid is not None else _ids.title_flaw_id(title),
        title=title,
        severity=severity or Severity.INFORMATIONAL,
        description=description,
        recommendations=_text.join_paragraphs(_text.html_to_text(_str(details.get("remediation_desc"))), remediation),
        references=references,
        cves=_ids.find_cves(description, remediation, markup),  # the markup: CVEs in link targets too
        cwes=(cweid,) if cweid is not None else (),
        tags=(tag,) if tag else (),
        fields=tuple((label, value) for label, value in fields if value),
        asset=asset,
        port=port,
        location_url=url or source_file or location,
        vulnerable_parameters=(parameter,) if parameter else (),
        evidence=_flaw_evidence(details, tag, source_file, _str(item.get("issue_id"))),
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
    path, name, line = (_str(details.get(k)) for k in ("file_path", "file_name", "file_line_number"))
    where = path or name
    return f"{where}:{line}" if where and line else where


def _flaw_evidence(details: Mapping[str, Any], tag: str, source_file: str, issue: str) -> tuple[Evidence, ...]:
    path, name = _str(details.get("file_path")), _str(details.get("file_name"))
    rows = [
        ("Source file", source_file),
        ("File name", name if path and name and not path.endswith(name) else ""),
        ("Function", _str(details.get("procedure"))),
        ("Relative location in function (%)", _str(details.get("relative_location"))),
        ("Module", _str(details.get("module"))),
        ("Attack vector" if tag == "DAST" else "Flaw type", _str(details.get("attack_vector"))),
        ("URL", _str(details.get("url"))),
        ("Vulnerable parameter", _str(details.get("vulnerable_parameter"))),
        ("Plugin", _str(details.get("plugin"))),
        ("Location", _str(details.get("location"))),
        ("Input vector", _str(details.get("input_vector"))),
    ]
    text = "\n".join(f"{label}: {value}" for label, value in rows if value)
    if not text:
        return ()
    caption = {"SAST": "Static flaw location", "DAST": "Dynamic flaw location"}.get(tag, "Flaw location")
    return (Evidence(caption=f"{caption} (issue {issue})" if issue else caption, code=text),)


# ---------------------------------------------------------------------------------------------
# Software composition analysis


def _sca(item: Mapping[str, Any], application: str) -> ScanFinding:
    details = _obj(item.get("finding_details"))
    cve = _obj(details.get("cve"))
    cvss3 = _obj(cve.get("cvss3"))
    name = _str(cve.get("name"))
    filename = _str(details.get("component_filename"))
    version = _str(details.get("version"))
    library = _library(filename, version) or "component"
    title = f"{name} in {library}" if name else f"Vulnerable component: {library}"
    summary = _text.clean(_str(item.get("description")))
    paths = list(_ids.unique(_str(_obj(p).get("path")) for p in _list(details.get("component_path"))))
    cweid = _ids.parse_cwe(_str(_obj(details.get("cwe")).get("id")))
    licenses = ", ".join(
        _str(lic.get("license_id"))
        + (f" (risk rating {_str(lic.get('risk_rating'))})" if lic.get("risk_rating") else "")
        for lic in map(_obj, _list(details.get("licenses")))
        if lic.get("license_id")
    )
    metadata = _obj(details.get("metadata"))
    metadata_labels = {"sca_scan_mode": "SCA Scan Mode", "sca_dep_mode": "SCA Dependency Mode"}

    fields = [
        ("Library", library),
        ("Library Version", version),
        ("Component File", filename),
        ("Component ID", _str(details.get("component_id"))),
        ("Product ID", _str(details.get("product_id"))),
        ("Language", _str(details.get("language"))),
        ("Licenses", licenses),
        *((metadata_labels.get(key, key), _str(value)) for key, value in metadata.items()),
        *_status_fields(item),
    ]
    raw_severity = details.get("severity", item.get("severity"))
    severity = _severity.from_scale(_int_text(raw_severity), _severity.ZERO_TO_FIVE)
    if severity is None:
        fields.append(("Veracode Severity", _str(raw_severity) or "(missing)"))
        severity = _severity.from_cvss(_str(cvss3.get("score"))) or _severity.from_label(_str(cve.get("severity")))

    evidence_rows = [
        ("Component file", filename),
        ("Library", f"{library} {version}".strip()),
        ("Language", _str(details.get("language"))),
        ("Component ID", _str(details.get("component_id"))),
    ]
    evidence = [f"{label}: {value}" for label, value in evidence_rows if value]
    if paths:
        evidence += ["File paths:", *(f"  {p}" for p in paths)]
    href = _str(cve.get("href"))
    cves = _ids.find_cves(name, summary, href)
    fix = name or "this vulnerability"
    return ScanFinding(
        flaw_id=name or _ids.title_flaw_id(title),
        title=title,
        severity=severity or Severity.INFORMATIONAL,
        description=_text.join_paragraphs(summary, f"Component: {library} {version}".strip()),
        recommendations=(
            f"Update {library} from version {version} to a release that fixes {fix}."
            if version
            else f"Update {library} to a release that fixes {fix}."
        ),
        references=(href,) if href else ((f"https://nvd.nist.gov/vuln/detail/{name}",) if cves[:1] == (name,) else ()),
        cves=cves,
        cwes=(cweid,) if cweid is not None else (),
        scores=_scores(cve, cvss3),
        tags=("SCA",),
        fields=tuple((label, value) for label, value in fields if value),
        asset=application,
        location_url=paths[0] if paths else filename,
        evidence=(Evidence(caption="Vulnerable component", code="\n".join(evidence)),),
    )


def _library(filename: str, version: str) -> str:
    """``spring-boot-autoconfigure-2.5.14.jar`` (version 2.5.14) -> ``spring-boot-autoconfigure``."""
    name = filename
    for extension in _ARCHIVES:
        if name.lower().endswith(extension):
            name = name[: -len(extension)]
            break
    if version:
        for separator in ("-", "_", "."):
            if name.endswith(f"{separator}{version}") and len(name) > len(version) + 1:
                return name[: -len(version) - 1]
    return name


def _scores(cve: Mapping[str, Any], cvss3: Mapping[str, Any]) -> tuple[Score, ...]:
    """``cve.vector``/``cve.cvss`` are CVSS v2, ``cve.cvss3`` is CVSS v3 (the API says so)."""
    scores = []
    for default_kind, vector, score in (
        ("CVSS2", _str(cve.get("vector")), _str(cve.get("cvss"))),
        ("CVSS3", _str(cvss3.get("vector")), _str(cvss3.get("score"))),
    ):
        if vector or score:
            kind = (
                "CVSS3_1"
                if vector.startswith("CVSS:3.1/")
                else "CVSS4"
                if vector.startswith("CVSS:4")
                else default_kind
            )
            scores.append(Score(kind=kind, vector=vector, score=score))
    return tuple(scores)


# ---------------------------------------------------------------------------------------------
# Shared with the XML reader and between scan types


def _status_fields(item: Mapping[str, Any]) -> list[tuple[str, str]]:
    status = _obj(item.get("finding_status"))
    return [
        ("Remediation Status", _str(status.get("status"))),
        ("Resolution", _str(status.get("resolution"))),
        ("Resolution Status", _str(status.get("resolution_status"))),
        ("Mitigation Review Status", _str(status.get("mitigation_review_status"))),
        ("New", _str(status.get("new"))),
        ("First Found", _str(status.get("first_found_date"))),
        ("Last Seen", _str(status.get("last_seen_date"))),
        ("Affects Policy Compliance", _str(item.get("violates_policy"))),
        ("Mitigations", _annotations(item.get("annotations"))),
        ("Build ID", _str(item.get("build_id"))),
    ]


def _annotations(value: Any) -> str:
    """Mitigation proposals and reviews (``include_annot=true``), one line each as in the XML."""
    lines = []
    for annotation in map(_obj, _list(value)):
        who = " by ".join(p for p in (_str(annotation.get("action")), _str(annotation.get("user_name"))) if p)
        when = f" on {_str(annotation.get('created'))}" if annotation.get("created") else ""
        what = f": {_str(annotation.get('comment'))}" if annotation.get("comment") else ""
        lines.append(f"{who}{when}{what}".strip())
    return "\n".join(line for line in lines if line)


def _exploit_level(value: Any) -> str:
    level = _int_text(value)
    return EXPLOIT_LEVELS.get(level, level)


def url_host(url: str, fallback: str) -> tuple[str, Port | None]:
    """The host of a flaw's URL and its port (explicit, else 80/443 by scheme); ``fallback`` if none."""
    try:
        parts = urlsplit(url)
        explicit = parts.port
    except ValueError:
        return fallback, None
    host = parts.hostname or ""
    if not host:
        return fallback, None
    number = str(explicit) if explicit else _DEFAULT_PORTS.get(parts.scheme.lower(), "")
    return host, Port(number=number, service=parts.scheme.lower()) if number else None


def host_asset(name: str, ports: tuple[Port, ...]) -> ScanAsset:
    """The asset record of a dynamic flaw's host (an IP address or a host name)."""
    try:
        ip = str(ipaddress.ip_address(name))
    except ValueError:
        return ScanAsset(name=name, hostname=name, ports=ports)
    return ScanAsset(name=name, ips=(ip,), ports=ports)


def _str(value: Any) -> str:
    """A JSON scalar as text (booleans as ``true``/``false``); objects and arrays as ""."""
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _int_text(value: Any) -> str:
    """``3``, ``3.0`` or ``"3"`` -> ``"3"``: how scale values are looked up."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _str(value)


def _obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a string" if isinstance(value, str) else "an array"
