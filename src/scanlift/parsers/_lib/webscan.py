"""Small helpers for the web-scanner parsers (OWASP ZAP, Acunetix, Invicti/Netsparker; Qualys WAS
names its web applications with ``web_asset`` too).

These three tools each export XML *and* JSON: ``records_by_kind`` chooses the reader from the
head the runner sniffed (the JSON readers skip a UTF-8 BOM themselves). The rest turns
URLs into an asset name and port, pulls links out of the HTML fragments these tools use for
references, and names CVSS vectors.
"""

from __future__ import annotations

import codecs
import html
import re
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO, Literal
from urllib.parse import urlsplit

from lxml import etree

from scanlift.parsers._lib import ids as _ids
from scanlift.parsers._lib import text as _text
from scanlift.parsers.base import InvalidFile, Port, ScanAsset, ScanRecord, Sniff, Upload

_DEFAULT_PORTS = {"http": "80", "https": "443"}
_HREF_RE = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def reader_kind(head: Sniff) -> Literal["xml", "json"] | None:
    """Which reader the file goes to: the sniffed kind, and XML too for markup the sniff could not
    read as XML (a UTF-16 byte-order mark, or a first ``<``), so that the XML reader says what is
    wrong with it; None for anything else."""
    if head.kind == "json":
        return "json"
    markup = head.encoding.startswith("utf-16") or head.head.lstrip(codecs.BOM_UTF8).lstrip().startswith(b"<")
    return "xml" if head.kind == "xml" or markup else None


def neither_xml_nor_json(source: str, head: bytes) -> InvalidFile:
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()
    if not stripped:  # a byte-order mark and blanks: the runner's emptiness check sees the mark
        return InvalidFile(source, "the file is empty")
    preview = stripped[:40].decode("utf-8", errors="replace")
    return InvalidFile(source, f"neither XML nor JSON: the file starts with {preview!r}")


def records_by_kind(
    upload: Upload,
    source: str,
    *,
    xml: Callable[[Upload], Iterator[ScanRecord]],
    json: Callable[[bytes, BinaryIO], Iterator[ScanRecord]],
) -> Iterator[ScanRecord]:
    """Hand the whole file to the XML or the JSON reader, chosen from the sniffed head."""
    kind = reader_kind(upload.head)
    if kind == "json":
        yield from json(upload.head.head, upload.stream)
    elif kind == "xml":
        yield from xml(upload)
    else:
        raise neither_xml_nor_json(source, upload.head.head)


def url_target(url: str, default_scheme: str = "http") -> tuple[str, Port | None]:
    """(host, port) of a URL; a bare ``host[:port]`` is read with ``default_scheme``."""
    text = url.strip()
    if not text:
        return "", None
    try:
        parsed = urlsplit(text if "://" in text else f"{default_scheme}://{text}")
    except ValueError:  # "http://[abc": an unclosed IPv6 bracket names no host
        return "", None
    host = parsed.hostname or ""
    scheme = parsed.scheme.lower()
    try:
        explicit = parsed.port
    except ValueError:
        explicit = None
    number = str(explicit) if explicit is not None else _DEFAULT_PORTS.get(scheme, "")
    if not number:
        return host, None
    return host, Port(number=number, protocol="tcp", service=scheme if scheme in _DEFAULT_PORTS else "")


def web_port(number: str, ssl: bool | None) -> Port | None:
    """A site's port from a report's ``port`` and ``ssl`` attributes."""
    number = number.strip()
    if not number or number == "0":
        return None
    service = "" if ssl is None else ("https" if ssl else "http")
    return Port(number=number, protocol="tcp", service=service)


def web_asset(host: str, ports: Iterable[Port] = ()) -> ScanAsset:
    """The asset for a scanned web host: named by host name (or IP), with its web ports."""
    is_ip = _ids.is_ip(host)
    return ScanAsset(
        name=host,
        ips=(host,) if is_ip else (),
        hostname=host if not is_ip and "." not in host else "",
        fqdn=host if not is_ip and "." in host else "",
        ports=tuple(ports),
    )


def truthy(value: object) -> bool | None:
    """``True``/``"true"``/``"True"`` -> True, the false spellings -> False, anything else None."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if value is not None else ""
    if text in {"true", "1", "yes"}:
        return True
    if text in {"false", "0", "no"}:
        return False
    return None


def links(*markups: str | None) -> tuple[str, ...]:
    """Reference URLs from HTML fragments: every ``href``; a fragment without links gives its lines."""
    found: list[str] = []
    for markup in markups:
        if not markup or not markup.strip():
            continue
        hrefs = [html.unescape(a or b) for a, b in _HREF_RE.findall(markup)]
        found.extend(hrefs if hrefs else _text.split_lines(_text.html_to_text(markup)))
    return _ids.unique(found)


def score_kind(vector: str, default: str) -> str:
    """The ``Score.kind`` a vector names ("CVSS:3.1/…" -> CVSS3_1), else ``default``."""
    upper = vector.strip().upper()
    if upper.startswith("CVSS:4"):
        return "CVSS4"
    if upper.startswith("CVSS:3.1"):
        return "CVSS3_1"
    if upper.startswith("CVSS:3"):
        return "CVSS3"
    if upper.startswith(("AV:", "(AV:")):
        return "CVSS2"
    return default


def block(pairs: Iterable[tuple[str, str]]) -> str:
    """``Label: value`` lines for the non-empty values; values are kept verbatim."""
    return "\n".join(f"{label}: {value}" for label, value in pairs if value and value.strip())


def child_text(element: etree._Element, tag: str) -> str:
    """Text of the first direct child named ``tag``, stripped; "" when missing."""
    child = element.find(tag)
    return (child.text or "").strip() if child is not None else ""


def markup_of(element: etree._Element | None) -> str:
    """An element's content as markup: its text plus any child elements serialised.

    Well-formed exports wrap HTML in CDATA (plain text here); older Netsparker files write the
    HTML as real child elements, which this turns back into markup for ``html_to_text``.
    """
    if element is None:
        return ""
    parts = [element.text or ""]
    parts += [etree.tostring(child, encoding="unicode", with_tail=True) for child in element]
    return "".join(parts).strip()


def cwe_numbers(*texts: str | None) -> tuple[int, ...]:
    """CWE numbers from texts such as "16", "CWE-79", "1035, 937"; 0 and negatives are dropped."""
    numbers: dict[int, None] = {}
    for text in texts:
        for part in re.split(r"[,;]", text or ""):
            part = part.strip()
            if part.startswith("-"):  # ZAP writes -1 for "no CWE"
                continue
            number = _ids.parse_cwe(part)
            if number is not None and number > 0:
                numbers.setdefault(number, None)
    return tuple(numbers)
