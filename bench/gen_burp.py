"""Write a synthetic Burp Suite Issues XML export of a given size: many hosts, ~150 issue types.

Shaped like Burp Suite Professional's "Report issues" XML (2020+): the inline DTD, ``<issues
burpVersion=... exportTime=...>``, and per ``<issue>`` the serial number, type, name, host with its
IP, path, location, severity, confidence, background and remediation HTML, references, CWE
classifications, detail, and base64 ``<request>``/``<response>`` pairs from a few hundred bytes to
tens of KB. Deterministic for a given seed, written as it is generated. Usage:
    python -m bench.gen_burp --size 1GB bench/out/burp-1GB.xml
"""

from __future__ import annotations

import argparse
import base64
import random
from pathlib import Path

from bench.sizes import parse_size

WORDS = (  # noqa: SIM905 - a sentence is easier to read than a list of words
    "the application request response parameter value user input server header cookie session token "
    "browser attacker script page content origin domain policy security control validation encoding "
    "output context sensitive data exposure framework version library component endpoint resource "
    "redirect authentication authorization access privilege injection query database command path "
    "file upload download cache transport certificate protocol configuration directive attribute"
).split()

DTD = """<?xml version="1.0"?>
<!DOCTYPE issues [
<!ELEMENT issues (issue*)>
<!ATTLIST issues burpVersion CDATA "">
<!ATTLIST issues exportTime CDATA "">
<!ELEMENT issue (serialNumber, type, name, host, path, location, severity, confidence, issueBackground?, \
remediationBackground?, references?, vulnerabilityClassifications?, issueDetail?, issueDetailItems?, \
remediationDetail?, requestresponse*, collaboratorEvent*, infiltratorEvent*, staticAnalysis*, dynamicAnalysis*)>
<!ELEMENT serialNumber (#PCDATA)>
<!ELEMENT type (#PCDATA)>
<!ELEMENT name (#PCDATA)>
<!ELEMENT host (#PCDATA)>
<!ATTLIST host ip CDATA "">
<!ELEMENT path (#PCDATA)>
<!ELEMENT location (#PCDATA)>
<!ELEMENT severity (#PCDATA)>
<!ELEMENT confidence (#PCDATA)>
<!ELEMENT issueBackground (#PCDATA)>
<!ELEMENT remediationBackground (#PCDATA)>
<!ELEMENT references (#PCDATA)>
<!ELEMENT vulnerabilityClassifications (#PCDATA)>
<!ELEMENT issueDetail (#PCDATA)>
<!ELEMENT issueDetailItems (issueDetailItem*)>
<!ELEMENT issueDetailItem (#PCDATA)>
<!ELEMENT remediationDetail (#PCDATA)>
<!ELEMENT requestresponse (request?, response?, responseRedirected?)>
<!ELEMENT request (#PCDATA)>
<!ATTLIST request method CDATA "">
<!ATTLIST request base64 (true|false) "false">
<!ELEMENT response (#PCDATA)>
<!ATTLIST response base64 (true|false) "false">
<!ELEMENT responseRedirected (#PCDATA)>
<!ELEMENT sender (#PCDATA)>
<!ELEMENT message (#PCDATA)>
<!ELEMENT conversation (#PCDATA)>
<!ELEMENT recipient (#PCDATA)>
<!ELEMENT recipients (recipient*)>
<!ELEMENT smtp (sender, recipients, message, conversation)>
<!ELEMENT collaboratorEvent (interactionType, originIp, time, lookupType?, lookupHost?, requestresponse?, smtp?)>
<!ELEMENT interactionType (#PCDATA)>
<!ELEMENT originIp (#PCDATA)>
<!ELEMENT time (#PCDATA)>
<!ELEMENT lookupType (#PCDATA)>
<!ELEMENT lookupHost (#PCDATA)>
<!ELEMENT infiltratorEvent (parameterName, platform, signature, stackTrace?, parameterValue?, collaboratorEvent)>
<!ELEMENT parameterName (#PCDATA)>
<!ELEMENT platform (#PCDATA)>
<!ELEMENT signature (#PCDATA)>
<!ELEMENT stackTrace (#PCDATA)>
<!ELEMENT parameterValue (#PCDATA)>
<!ELEMENT staticAnalysis (source, sink, codeSnippets)>
<!ELEMENT source (#PCDATA)>
<!ELEMENT sink (#PCDATA)>
<!ELEMENT codeSnippets (codeSnippet*)>
<!ELEMENT codeSnippet (#PCDATA)>
]>
"""

#: (type, name) of common Burp issues; the rest of the pool is synthetic.
KNOWN_TYPES = (
    (1048832, "OS command injection"),
    (1049088, "SQL injection"),
    (1049344, "SQL injection (second order)"),
    (1050112, "File path traversal"),
    (1051136, "XML external entity injection"),
    (1052672, "Server-side template injection"),
    (2097408, "Cross-site scripting (stored)"),
    (2097920, "Cross-site scripting (reflected)"),
    (2097936, "Cross-site scripting (DOM-based)"),
    (2098944, "Cross-site request forgery"),
    (3146240, "External service interaction (DNS)"),
    (4194560, "Input returned in response (reflected)"),
    (5243392, "TLS cookie without secure flag set"),
    (5244416, "Cookie without HttpOnly flag set"),
    (5245344, "Frameable response (potential Clickjacking)"),
    (5245360, "Browser cross-site scripting filter disabled"),
    (5247488, "Password field with autocomplete enabled"),
    (6291968, "Email addresses disclosed"),
    (6292736, "Private IP addresses disclosed"),
    (7340288, "Cacheable HTTPS response"),
    (8389632, "Content type incorrectly stated"),
    (16777728, "Unencrypted communications"),
    (16777984, "Strict transport security not enforced"),
    (16778496, "TLS certificate"),
)
SEVERITIES = ("High", "Medium", "Low", "Information")
SEVERITY_WEIGHTS = (1, 2, 3, 5)
CONFIDENCES = ("Certain", "Firm", "Tentative")
PARAMETERS = ("q", "id", "search", "username", "redirect", "page", "lang", "token", "file", "category")
SEGMENTS = ("api", "v1", "v2", "account", "login", "products", "cart", "admin", "static", "search", "users", "orders")


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = rng.choices(WORDS, k=rng.randint(low, high))
    return " ".join(words).capitalize() + "."


def _paragraphs(rng: random.Random, count: int) -> str:
    return "\n".join(
        "<p>" + " ".join(_sentence(rng, 8, 25) for _ in range(rng.randint(2, 5))) + "</p>" for _ in range(count)
    )


def _issue_types(rng: random.Random, count: int) -> list[dict[str, str]]:
    types = []
    for i in range(count):
        if i < len(KNOWN_TYPES):
            type_id, name = KNOWN_TYPES[i]
        else:
            type_id, name = 0x00600000 + i * 256, f"{_sentence(rng, 3, 6)[:-1]} (check {i})"
        cwes = rng.sample(range(16, 1300), rng.randint(1, 3))
        classifications = (
            "<ul>\n"
            + "".join(
                f'<li><a href="https://cwe.mitre.org/data/definitions/{cwe}.html">CWE-{cwe}: '
                f"{_sentence(rng, 3, 7)[:-1]}</a></li>\n"
                for cwe in cwes
            )
            + "</ul>"
        )
        references = (
            "<ul>"
            + "".join(
                f'<li><a href="https://portswigger.net/web-security/topic-{i}-{n}">{_sentence(rng, 2, 5)[:-1]}</a></li>'
                for n in range(rng.randint(1, 3))
            )
            + "</ul>"
        )
        types.append(
            {
                "type": str(type_id),
                "name": name,
                "severity": rng.choices(SEVERITIES, SEVERITY_WEIGHTS)[0],
                "parameter": "yes" if rng.random() < 0.4 else "",
                "background": _paragraphs(rng, rng.randint(1, 3)),
                "remediation": _paragraphs(rng, rng.randint(1, 2)) + "\n<ul>\n<li>"
                + "</li><li>".join(_sentence(rng, 4, 10) for _ in range(rng.randint(1, 3))) + "</li></ul>",
                "references": references if rng.random() < 0.7 else "",
                "classifications": classifications if rng.random() < 0.9 else "",
            }
        )  # fmt: skip
    return types


def _body_pool(rng: random.Random, count: int) -> list[bytes]:
    """HTML and JSON bodies from a few hundred bytes to tens of KB, skewed to the small end as in real scans."""
    pool = []
    for n in range(count):
        size = int(rng.choices((rng.uniform(100, 1500), rng.uniform(1500, 10000), rng.uniform(10000, 60000)),
                               (6, 3, 1))[0])  # fmt: skip
        if n % 4 == 3:
            items = []
            length = 0
            while length < size:
                item = f'{{"id":{rng.randint(1, 99999)},"name":"{" ".join(rng.choices(WORDS, k=3))}","ok":true}}'
                items.append(item)
                length += len(item) + 1
            pool.append(("[" + ",".join(items) + "]").encode())
            continue
        lines = ["<!DOCTYPE html>", "<html>", "<head>", f"<title>{_sentence(rng, 2, 5)}</title>",
                 '<link rel="stylesheet" href="/static/site.css">', "</head>", "<body>"]  # fmt: skip
        length = sum(len(line) + 1 for line in lines)
        while length < size:
            line = rng.choice(
                (
                    f"<p>{_sentence(rng, 6, 30)}</p>",
                    f'<a href="/{"/".join(rng.choices(SEGMENTS, k=2))}?id={rng.randint(1, 9999)}">'
                    f"{_sentence(rng, 1, 4)}</a>",
                    f'<div class="{rng.choice(WORDS)}-{rng.choice(WORDS)}"><span>{_sentence(rng, 2, 8)}</span></div>',
                    f'<script src="/static/js/{rng.choice(WORDS)}.{rng.getrandbits(32):08x}.js"></script>',
                )
            )
            lines.append(line)
            length += len(line) + 1
        lines += ["</body>", "</html>"]
        pool.append("\n".join(lines).encode())
    return pool


def _request(rng: random.Random, host: str, path: str, method: str, session: str) -> bytes:
    headers = [
        f"{method} {path} HTTP/1.1",
        f"Host: {host}",
        "Accept-Encoding: gzip, deflate, br",
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
        "Accept-Language: en-US;q=0.9,en;q=0.8",
        "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.6099.71 Safari/537.36",
        "Connection: close",
        "Cache-Control: max-age=0",
        f"Cookie: session={session}; tracking={rng.getrandbits(96):024x}",
        f"Referer: https://{host}/",
    ]
    body = ""
    if method == "POST":
        body = "&".join(f"{rng.choice(PARAMETERS)}={rng.choice(WORDS)}{rng.randint(0, 999)}" for _ in range(4))
        headers += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    return ("\r\n".join(headers) + "\r\n\r\n" + body).encode()


def _response(rng: random.Random, body: bytes, session: str) -> bytes:
    json_body = body.startswith(b"[")
    headers = [
        "HTTP/1.1 200 OK",
        f"Date: Mon, 05 Jan 2026 {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d} GMT",
        "Content-Type: " + ("application/json; charset=utf-8" if json_body else "text/html; charset=utf-8"),
        f"Content-Length: {len(body)}",
        "Connection: close",
        f"Set-Cookie: session={session}; Path=/; Secure",
        "X-Content-Type-Options: nosniff",
        "Server: nginx/1.24.0",
    ]
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _issue(
    rng: random.Random, kind: dict[str, str], origin: str, ip: str, paths: list[str], bodies: list[bytes]
) -> str:
    host = origin.split("://", 1)[1]
    path = rng.choice(paths)
    location = path
    if kind["parameter"]:
        location = f"{path} [{rng.choice(PARAMETERS)} parameter]"
    parts = [
        "  <issue>\n"
        f"    <serialNumber>{rng.getrandbits(62)}</serialNumber>\n"
        f"    <type>{kind['type']}</type>\n"
        f"    <name><![CDATA[{kind['name']}]]></name>\n"
        f'    <host ip="{ip}">{origin}</host>\n'
        f"    <path><![CDATA[{path}]]></path>\n"
        f"    <location><![CDATA[{location}]]></location>\n"
        f"    <severity>{kind['severity']}</severity>\n"
        f"    <confidence>{rng.choice(CONFIDENCES)}</confidence>\n"
        f"    <issueBackground><![CDATA[{kind['background']}]]></issueBackground>\n"
        f"    <remediationBackground><![CDATA[{kind['remediation']}]]></remediationBackground>\n"
    ]
    if kind["references"]:
        parts.append(f"    <references><![CDATA[{kind['references']}]]></references>\n")
    if kind["classifications"]:
        parts.append(
            f"    <vulnerabilityClassifications><![CDATA[{kind['classifications']}]]></vulnerabilityClassifications>\n"
        )
    if rng.random() < 0.8:
        detail = " ".join(_sentence(rng, 6, 20) for _ in range(rng.randint(1, 4)))
        parts.append(
            f"    <issueDetail><![CDATA[{detail} The value <b>{rng.choice(WORDS)}</b> was submitted.]]></issueDetail>\n"
        )
    if rng.random() < 0.05:
        items = "".join(
            f"      <issueDetailItem><![CDATA[{_sentence(rng, 3, 8)}]]></issueDetailItem>\n"
            for _ in range(rng.randint(1, 4))
        )
        parts.append(f"    <issueDetailItems>\n{items}    </issueDetailItems>\n")
    if rng.random() < 0.1:
        parts.append(f"    <remediationDetail><![CDATA[{_sentence(rng, 10, 30)}]]></remediationDetail>\n")
    session = f"{rng.getrandbits(128):032x}"
    for _ in range(rng.choices((0, 1, 2, 3), (1, 6, 2, 1))[0]):
        method = "POST" if rng.random() < 0.25 else "GET"
        request = _request(rng, host, rng.choice(paths), method, session)
        response = _response(rng, rng.choice(bodies), session)
        parts.append(
            "    <requestresponse>\n"
            f'      <request method="{method}" base64="true"><![CDATA[{_b64(request)}]]></request>\n'
            f'      <response base64="true"><![CDATA[{_b64(response)}]]></response>\n'
            "      <responseRedirected>false</responseRedirected>\n"
            "    </requestresponse>\n"
        )
    parts.append("  </issue>\n")
    return "".join(parts)


def generate(path: Path, size: int, *, seed: int = 11) -> tuple[int, int]:
    """Write about ``size`` bytes to ``path``; return (hosts, issues)."""
    rng = random.Random(seed)
    types = _issue_types(rng, 150)
    bodies = _body_pool(rng, 400)
    written = hosts = issues = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        head = DTD + '<issues burpVersion="2023.12.1.5" exportTime="Mon Jan 05 10:00:00 UTC 2026">\n'
        out.write(head)
        written += len(head)
        while written < size:
            hosts += 1
            scheme = "https" if hosts % 5 else "http"
            port = ":8443" if hosts % 11 == 0 else ""
            origin = f"{scheme}://app{hosts}.{rng.choice(WORDS)}.corp.example{port}"
            ip = f"10.{(hosts >> 16) & 255}.{(hosts >> 8) & 255}.{hosts & 255}"
            paths = ["/"] + [
                "/" + "/".join(rng.choices(SEGMENTS, k=rng.randint(1, 4))) + rng.choice(("", "/", ".php", ".jsp"))
                for _ in range(rng.randint(5, 40))
            ]
            host_kinds = rng.sample(types, rng.randint(10, 60))
            chunk = "".join(_issue(rng, kind, origin, ip, paths, bodies) for kind in host_kinds)
            issues += len(host_kinds)
            out.write(chunk)
            written += len(chunk)
        tail = "</issues>\n"
        out.write(tail)
    return hosts, issues


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--size", default="100MB")
    args = parser.parse_args()
    hosts, issues = generate(args.path, parse_size(args.size))
    print(f"wrote {args.path} ({args.path.stat().st_size} bytes, {hosts} hosts, {issues} issues)")


if __name__ == "__main__":
    main()
