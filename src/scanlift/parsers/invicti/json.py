"""The Invicti / Netsparker / Acunetix 360 vulnerability schema, shared by two parsers.

Invicti Enterprise (formerly Netsparker) and Acunetix 360 (Invicti's rebranded platform) export
the same JSON: ``{"Generated", "Target": {"Url", …}, "Vulnerabilities": [vulnerability…]}``.
``records`` streams it with ``_json.iter_items`` one vulnerability at a time; the Invicti XML
reader turns each XML ``<vulnerability>`` into the same dict shape and calls ``build``.

Mapping: finding identity is the vulnerability ``Type`` (e.g. ``CookieNotMarkedAsHttpOnly``), the
vendor's stable class name; title is ``Name``. Severity words map 1:1 (BestPractice and
Information -> Informational, legacy Important -> High). Each vulnerability is one sighting on
the host of its ``Url``; the request, response, proof of concept, extra information, known
vulnerabilities and the issue's own state/certainty/ids are that sighting's evidence.

Which vendor wrote a file cannot be told from its keys. ``vendors_in`` looks for the vendor's
own marks in the first bytes (the ``X-Scanner`` request header, "<product> identified …" in a
description, links to the vendor's site); a file with no marks, such as an empty report, is
claimed by both parsers and auto-detection reports the ambiguity.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO, Literal

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import severity as _severity
from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.json import iter_items, top_level_is_array, top_level_keys
from scanlift.parsers._lib.sniff import HEAD_BYTES
from scanlift.parsers._lib.webscan import block, cwe_numbers, links, score_kind, truthy, url_target, web_asset
from scanlift.parsers.base import Evidence, InvalidFile, ScanFinding, ScanRecord, Score, Severity

Vendor = Literal["acunetix", "invicti"]

TOP_KEYS = ("Generated", "Target", "Vulnerabilities")

#: Vendor marks, strongest first: the scanner's request header, its self-naming in descriptions,
#: then links to its knowledge base.
_MARKS: tuple[dict[Vendor, re.Pattern[bytes]], ...] = (
    {
        "acunetix": re.compile(rb"X-Scanner:\s*Acunetix", re.IGNORECASE),
        "invicti": re.compile(rb"X-Scanner:\s*(?:Netsparker|Invicti)", re.IGNORECASE),
    },
    {
        "acunetix": re.compile(rb"Acunetix\s?360\s+(?:identified|detected)", re.IGNORECASE),
        "invicti": re.compile(
            rb"(?:Netsparker|Invicti)(?:\s+(?:Enterprise|Standard|Cloud))?\s+(?:identified|detected)",
            re.IGNORECASE,
        ),
    },
    {
        "acunetix": re.compile(rb"acunetix\.com", re.IGNORECASE),
        "invicti": re.compile(rb"(?:netsparker|invicti)\.com", re.IGNORECASE),
    },
)

#: Classification keys (JSON and XML spellings, lower-cased) -> field labels. CWE and CVSS are
#: mapped to ``cwes``/``scores``; any other key is kept under its own name.
_CLASSIFICATIONS: Mapping[str, str] = {
    "owasp": "OWASP",
    "owasp2013": "OWASP 2013",
    "owasp2017": "OWASP 2017",
    "owasptopten2021": "OWASP Top 10 2021",
    "owasptopten2023": "OWASP API Top 10 2023",
    "owaspapitop10": "OWASP API Top 10",
    "owasppc": "OWASP Proactive Controls",
    "owaspproactivecontrols": "OWASP Proactive Controls",
    "wasc": "WASC",
    "capec": "CAPEC",
    "pci31": "PCI DSS 3.1",
    "pci32": "PCI DSS 3.2",
    "pcidss40": "PCI DSS 4.0",
    "hipaa": "HIPAA",
    "iso27001": "ISO 27001",
    "asvs40": "ASVS 4.0",
    "nistsp80053": "NIST SP 800-53",
    "disastig": "DISA STIG",
}

#: Default score kind per CVSS key when the vector does not say.
_CVSS_KINDS: Mapping[str, str] = {"cvss": "CVSS3", "cvss31": "CVSS3_1", "cvss40": "CVSS4", "cvss4": "CVSS4"}

_CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z])")


def looks_like(head: bytes) -> bool:
    """Whether the first bytes are this JSON schema (any of the three vendors)."""
    keys = top_level_keys(head)
    if not keys or "Vulnerabilities" not in keys:
        return False
    return bool(keys & {"Target", "Generated"}) or b'"Classification"' in head


def vendors_in(head: bytes) -> set[Vendor]:
    """The vendors whose marks appear in the head, from the strongest kind of mark found."""
    for marks in _MARKS:
        found: set[Vendor] = {vendor for vendor, pattern in marks.items() if pattern.search(head)}
        if found:
            return found
    return set()


def claims(head: bytes, vendor: Vendor) -> bool:
    """Sniff: this schema, and nothing marks it as the other vendor's file."""
    if not looks_like(head):
        return False
    found = vendors_in(head)
    return vendor in found or not found


def records(head: bytes, stream: BinaryIO, *, source: str) -> Iterator[ScanRecord]:
    """Stream the JSON export: a ScanAsset per new (host, port), then a ScanFinding per vulnerability."""
    _check_top_level(head, source)
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(iter_items(stream, "Vulnerabilities.item", source=source), start=1):
        if not isinstance(item, Mapping):
            raise InvalidFile(source, f"Vulnerabilities entry {index} is a {type(item).__name__}, not an object")
        yield from sighting(item, source=source, index=index, seen=seen)


def sighting(item: Mapping[str, Any], *, source: str, index: int, seen: set[tuple[str, str]]) -> Iterator[ScanRecord]:
    """The records for one vulnerability: its asset (first time only) and the finding."""
    finding = build(item, source=source, index=index)
    if finding.asset:
        key = (finding.asset, finding.port.number if finding.port else "")
        if key not in seen:
            seen.add(key)
            yield web_asset(finding.asset, (finding.port,) if finding.port else ())
    yield finding


def _check_top_level(head: bytes, source: str) -> None:
    keys = top_level_keys(head)
    if keys is None:
        if top_level_is_array(head):
            raise InvalidFile(source, "the top level is a JSON array; expected an object with Vulnerabilities")
        raise InvalidFile(source, "not a JSON object")
    if "Vulnerabilities" in keys:
        return
    whole = len(head) < HEAD_BYTES
    if whole or not keys & {"Target", "Generated"}:
        found = ", ".join(sorted(keys)) if keys else "none"
        expected = ", ".join(TOP_KEYS)
        raise InvalidFile(source, f"top-level keys are {found}; expected {expected}")


def s(value: Any) -> str:
    """A JSON scalar as stripped text ("" for null)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _sequence(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def severity_of(label: str) -> Severity | None:
    """Invicti's words: "BestPractice" -> "Best Practice" -> Informational, "Important" -> High."""
    return _severity.from_label(_CAMEL_RE.sub(" ", label))


def build(item: Mapping[str, Any], *, source: str, index: int) -> ScanFinding:
    """One vulnerability (JSON shape) as a sighting."""
    name, vuln_type = s(item.get("Name")), s(item.get("Type"))
    title = name or vuln_type
    if not title:
        raise InvalidFile(source, f"vulnerability {index} has neither a Name nor a Type")
    classification = _mapping(item.get("Classification"))
    raw_severity = s(item.get("Severity"))
    severity = severity_of(raw_severity)
    request, response = _mapping(item.get("HttpRequest")), _mapping(item.get("HttpResponse"))
    known = [k for k in _sequence(item.get("KnownVulnerabilities")) if isinstance(k, Mapping)]
    known_text = "\n".join(_known_line(k) for k in known)
    parameters = [p for p in _sequence(request.get("Parameters")) if isinstance(p, Mapping)]
    vulnerable = [p for p in parameters if truthy(p.get("Vulnerable")) is not False]
    extra = _pairs(item.get("ExtraInformation"))
    proofs = _pairs(item.get("Proofs"))
    url = s(item.get("Url"))
    host, port = url_target(url)

    fields = [(label, value) for label, value in _classification_fields(classification)]
    if severity is None or severity.value != raw_severity:
        fields.append(("Vendor Severity", raw_severity))
    fields.append(("Exploitation Skills", _text.html_to_text(s(item.get("ExploitationSkills")))))

    details = block(
        [
            ("Issue id", s(item.get("LookupId"))),
            ("State", s(item.get("State"))),
            ("Certainty", f"{s(item.get('Certainty'))}%" if s(item.get("Certainty")) else ""),
            ("Confirmed", s(item.get("Confirmed"))),
            ("First seen", s(item.get("FirstSeenDate"))),
            ("Last seen", s(item.get("LastSeenDate"))),
            *(("Vulnerable parameter", _parameter_line(p)) for p in vulnerable),
        ]
    )
    evidence = [Evidence(caption="Issue details", code=details)] if details else []
    proof_of_concept = _text.html_to_text(s(item.get("ProofOfConcept")))
    if proof_of_concept:
        evidence.append(Evidence(caption="Proof of concept", code=proof_of_concept))
    if extra:
        evidence.append(Evidence(caption="Extra information", code=block(extra)))
    if proofs:
        evidence.append(Evidence(caption="Proofs", code=block(proofs)))
    if known_text:
        evidence.append(Evidence(caption="Known vulnerabilities", code=known_text))
    request_text = str(request.get("Content") or "")
    if request_text.strip():
        evidence.append(Evidence(caption="HTTP request", code=request_text))
    response_text = str(response.get("Content") or "")
    if response_text.strip():
        status = s(response.get("StatusCode"))
        evidence.append(
            Evidence(caption=f"HTTP response ({status})" if status else "HTTP response", code=response_text)
        )

    texts = [s(item.get(key)) for key in ("Description", "Impact", "RemedialProcedure", "RemedialActions")]
    references = [s(item.get("ExternalReferences")), s(item.get("RemedyReferences"))]
    return ScanFinding(
        flaw_id=vuln_type or _ids.title_flaw_id(title),
        title=title,
        severity=severity or Severity.INFORMATIONAL,
        description=_text.join_paragraphs(
            _text.html_to_text(texts[0]), _section("Impact", _text.html_to_text(texts[1]))
        ),
        recommendations=_text.join_paragraphs(
            _text.html_to_text(texts[2]), _section("Actions to take", _text.html_to_text(texts[3]))
        ),
        references=links(*references),
        cves=_ids.find_cves(
            title,
            *texts,
            *references,
            known_text,
            proof_of_concept,
            *(v for _, v in extra),
            *(v for _, v in proofs),
        ),
        cwes=cwe_numbers(*(s(v) for k, v in classification.items() if k.lower() == "cwe")),
        scores=_scores(classification),
        tags=_ids.unique(s(t) for t in _sequence(item.get("Tags"))),
        fields=tuple((label, value) for label, value in fields if value),
        asset=host or None,
        port=port,
        location_url=url,
        vulnerable_parameters=_ids.unique(s(p.get("Name")) for p in vulnerable),
        evidence=tuple(evidence),
    )


def _section(title: str, body: str) -> str:
    return f"{title}:\n{body}" if body else ""


def _pairs(value: Any) -> list[tuple[str, str]]:
    """[{"Name": …, "Value": …}] -> [(name, value)]."""
    pairs = []
    for entry in _sequence(value):
        if isinstance(entry, Mapping):
            pairs.append((s(entry.get("Name")) or "Value", s(entry.get("Value"))))
    return [(k, v) for k, v in pairs if v]


def _parameter_line(parameter: Mapping[str, Any]) -> str:
    name, kind, value = s(parameter.get("Name")), s(parameter.get("Type")), s(parameter.get("Value"))
    where = f" ({kind})" if kind else ""
    return f"{name}{where} = {value}" if value else f"{name}{where}"


def _known_line(known: Mapping[str, Any]) -> str:
    title, severity = s(known.get("Title")), s(known.get("Severity"))
    refs = known.get("References")
    references = ", ".join(s(r) for r in refs if s(r)) if isinstance(refs, list) else s(refs)
    affected = s(known.get("AffectedVersions"))
    line = f"{title} ({severity})" if severity else title
    if references:
        line += f" [{references}]"
    if affected:
        line += f" affects {affected}"
    return line


def _classification_fields(classification: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for key, value in classification.items():
        lower = key.lower()
        if lower == "cwe" or lower.startswith("cvss") or isinstance(value, Mapping | list):
            continue
        if s(value):
            yield _CLASSIFICATIONS.get(lower, key), s(value)


def _scores(classification: Mapping[str, Any]) -> tuple[Score, ...]:
    scores: dict[tuple[str, str], Score] = {}
    for key, value in classification.items():
        lower = key.lower().split("_", 1)[0]
        if not lower.startswith("cvss") or not isinstance(value, Mapping):
            continue
        vector = s(value.get("Vector"))
        base = s(_mapping(value.get("BaseScore")).get("Value"))
        if not vector and not base:
            continue
        kind = score_kind(vector, _CVSS_KINDS.get(lower, "CVSS3"))
        scores.setdefault((kind, vector), Score(kind=kind, vector=vector, score=base))
    return tuple(scores.values())
