"""Invicti / Netsparker XML: the enterprise/cloud layout and the legacy ``<netsparker>`` one.

Each ``<vulnerability>`` is turned into the JSON export's dict shape and mapped by
``invicti.vulnerability``, so XML and JSON imports of one scan give the same findings.

- Enterprise/cloud (roots ``invicti-enterprise``, ``netsparker-enterprise``,
  ``netsparker-cloud``): lower-case hyphenated children, ``classification/{cwe, cvss, cvss31…}``,
  ``http-request``/``http-response``, ``extra-information/info@name@value`` whose values are
  entity-encoded twice.
- Legacy (root ``netsparker``, Netsparker desktop / Invicti Standard): ``title`` (absent in old
  files: the ``type`` is the title), ``remedy``/``actionsToTake``, upper-case classification keys
  with one ``CVSS`` element per CVSS version, ``rawrequest``/``rawresponse``,
  ``vulnerableparameter*``, ``knownvulnerabilities`` (CVE ids), ``proofs``. Old files write the
  HTML of descriptions as real child elements instead of CDATA; they are serialised back.
  Some of those files hold unclosed ``<br>`` tags and are not XML: that ends in ``InvalidFile``
  naming the vulnerability that could not be read.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

from lxml import etree

from scanlift.parsers._lib.webscan import child_text, markup_of
from scanlift.parsers._lib.xml import iter_elements, local_name
from scanlift.parsers.base import InvalidFile, ScanRecord, Upload
from scanlift.parsers.invicti.vulnerability import sighting

ENTERPRISE_ROOTS = ("invicti-enterprise", "netsparker-enterprise", "netsparker-cloud")
LEGACY_ROOT = "netsparker"
ROOTS = (*ENTERPRISE_ROOTS, LEGACY_ROOT)


def records(upload: Upload, *, source: str) -> Iterator[ScanRecord]:
    seen: set[tuple[str, str]] = set()
    index = 0
    try:
        for element in iter_elements(
            upload.stream, source=source, roots=ROOTS, tags=("vulnerability",), head=upload.head
        ):
            index += 1
            root = element.getroottree().getroot()
            legacy = isinstance(root.tag, str) and local_name(root.tag) == LEGACY_ROOT
            item = _legacy_item(element) if legacy else _enterprise_item(element)
            yield from sighting(item, source=source, index=index, seen=seen)
    except InvalidFile as exc:
        if index == 0 or exc.problem.startswith("vulnerability "):
            raise
        raise InvalidFile(source, f"vulnerability {index + 1} could not be read: {exc.problem}") from None


def _text_of(element: etree._Element, tag: str) -> str:
    return markup_of(element.find(tag))


def _raw(element: etree._Element, tag: str) -> str:
    child = element.find(tag)
    return (child.text or "") if child is not None else ""


def _classification(element: etree._Element | None) -> dict[str, Any]:
    """Classification children as a dict; CVSS blocks become {"Vector", "BaseScore": {"Value"}}."""
    result: dict[str, Any] = {}
    if element is None:
        return result
    for child in element:
        if not isinstance(child.tag, str):
            continue
        key = local_name(child.tag)
        if key.lower().startswith("cvss"):
            value: Any = _cvss(child)
        else:
            value = (child.text or "").strip()
        name, number = key, 1
        while name in result:  # legacy files repeat <CVSS> once per CVSS version
            number += 1
            name = f"{key}_{number}"
        result[name] = value
    return result


def _cvss(element: etree._Element) -> dict[str, Any]:
    base = ""
    for score in element.iterchildren("score"):
        if child_text(score, "type").lower() == "base":
            base = child_text(score, "value")
    return {"Vector": child_text(element, "vector"), "BaseScore": {"Value": base}}


def _enterprise_item(vulnerability: etree._Element) -> dict[str, Any]:
    v = vulnerability
    request = v.find("http-request")
    response = v.find("http-response")
    parameters = []
    if request is not None:
        for parameter in request.iterfind("parameters/parameter"):
            parameters.append(
                {
                    "Name": parameter.get("name") or child_text(parameter, "name"),
                    "Value": parameter.get("value") or child_text(parameter, "value"),
                    "Type": parameter.get("type") or "",
                    "Vulnerable": parameter.get("vulnerable", "true"),
                }
            )
    extra = [
        # Values are entity-encoded twice (&amp;#32;): XML decoded one level, HTML decodes the other.
        {"Name": html.unescape(info.get("name") or ""), "Value": html.unescape(info.get("value") or "")}
        for info in v.iterfind("extra-information/info")
    ]
    tags = [t.strip() for t in child_text(v, "tags").split(",") if t.strip()]
    return {
        "LookupId": child_text(v, "LookupId"),
        "Url": child_text(v, "url"),
        "Type": child_text(v, "type"),
        "Name": child_text(v, "name"),
        "Severity": child_text(v, "severity"),
        "Certainty": child_text(v, "certainty"),
        "Confirmed": child_text(v, "confirmed"),
        "State": child_text(v, "state"),
        "FirstSeenDate": child_text(v, "FirstSeenDate"),
        "LastSeenDate": child_text(v, "LastSeenDate"),
        "Classification": _classification(v.find("classification")),
        "HttpRequest": {
            "Method": child_text(request, "method") if request is not None else "",
            "Content": _raw(request, "content") if request is not None else "",
            "Parameters": parameters,
        },
        "HttpResponse": {
            "StatusCode": child_text(response, "status-code") if response is not None else "",
            "Content": _raw(response, "content") if response is not None else "",
        },
        "ExtraInformation": extra,
        "Description": _text_of(v, "description"),
        "Impact": _text_of(v, "impact"),
        "RemedialActions": _text_of(v, "remedial-actions"),
        "RemedialProcedure": _text_of(v, "remedial-procedure"),
        "RemedyReferences": _text_of(v, "remedy-references"),
        "ExternalReferences": _text_of(v, "external-references"),
        "ExploitationSkills": _text_of(v, "exploitation-skills"),
        "ProofOfConcept": _text_of(v, "proof-of-concept"),
        "Tags": tags,
    }


def _legacy_item(vulnerability: etree._Element) -> dict[str, Any]:
    v = vulnerability
    parameters = []
    if child_text(v, "vulnerableparameter"):
        parameters.append(
            {
                "Name": child_text(v, "vulnerableparameter"),
                "Type": child_text(v, "vulnerableparametertype"),
                "Value": child_text(v, "vulnerableparametervalue"),
                "Vulnerable": True,
            }
        )
    extra = []
    for info in v.iterfind("extrainformation/info"):
        if info.find("name") is not None or info.find("value") is not None:  # newer files
            extra.append({"Name": child_text(info, "name"), "Value": child_text(info, "value")})
        else:  # older files: name attribute, CDATA value
            extra.append({"Name": info.get("name") or "", "Value": (info.text or "").strip()})
    proofs = [
        {"Name": child_text(proof, "key"), "Value": child_text(proof, "value")} for proof in v.iterfind("proofs/proof")
    ]
    known = [
        {
            "Title": child_text(k, "title"),
            "Severity": child_text(k, "severity"),
            "References": [(r.text or "").strip() for r in k.iterchildren("references") if (r.text or "").strip()],
            "AffectedVersions": child_text(k, "affectedversions"),
        }
        for k in v.iterfind("knownvulnerabilities/knownvulnerability")
    ]
    return {
        "Url": child_text(v, "url"),
        "Type": child_text(v, "type"),
        "Name": child_text(v, "title"),
        "Severity": child_text(v, "severity"),
        "Certainty": child_text(v, "certainty"),
        "Confirmed": child_text(v, "confirmed") or v.get("confirmed", ""),
        "State": child_text(v, "state"),
        "Classification": _classification(v.find("classification")),
        "HttpRequest": {"Content": _raw(v, "rawrequest"), "Parameters": parameters},
        "HttpResponse": {"Content": _raw(v, "rawresponse")},
        "ExtraInformation": extra,
        "Proofs": proofs,
        "KnownVulnerabilities": known,
        "Description": _text_of(v, "description"),
        "Impact": _text_of(v, "impact"),
        "RemedialActions": _text_of(v, "actionsToTake"),
        "RemedialProcedure": _text_of(v, "remedy"),
        "RemedyReferences": _text_of(v, "remedyReferences"),
        "ExternalReferences": _text_of(v, "externalReferences"),
        "ExploitationSkills": _text_of(v, "requiredSkillsForExploitation"),
        "ProofOfConcept": _text_of(v, "proofOfConcept"),
    }
