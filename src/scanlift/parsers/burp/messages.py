"""HTTP requests and responses as Burp stores them, decoded to text and paired as evidence.

A message is UTF-8, else Latin-1; a body with binary control characters is replaced by a
one-line note; line endings become ``\\n``.
"""

from __future__ import annotations

import base64
import binascii
import re

from scanlift.parsers.base import Evidence

_BINARY_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f]")
_HEADER_END = (b"\r\n\r\n", b"\n\n")


def decode_http(raw: bytes) -> str:
    """HTTP message bytes as text: UTF-8 (else Latin-1); a binary body is replaced by a note."""
    head, sep, body = _split_message(raw)
    head_text = _decode(head) or head.decode("latin-1")
    if not body:
        return _newlines(head_text + sep.decode("latin-1"))
    body_text = _decode(body)
    if body_text is None:
        body_text = f"[binary body of {len(body)} bytes not shown]"
    return _newlines(head_text + sep.decode("latin-1") + body_text)


def decode_base64_http(data: str) -> str:
    """A base64 request or response as text; undecodable base64 is kept as it is, with a note."""
    try:
        raw = base64.b64decode(data.strip(), validate=False)
    except (binascii.Error, ValueError):
        return f"[could not decode base64]\n{data}"
    return decode_http(raw)


def _split_message(raw: bytes) -> tuple[bytes, bytes, bytes]:
    positions = [(raw.find(sep), sep) for sep in _HEADER_END if raw.find(sep) >= 0]
    if not positions:
        return raw, b"", b""
    index, sep = min(positions)
    return raw[:index], sep, raw[index + len(sep) :]


def _decode(data: bytes) -> str | None:
    for encoding in ("utf-8", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _BINARY_CONTROL_RE.search(text):
            return None
        return text
    return None


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def pair_evidence(number: int, request: str, response: str, note: str = "") -> Evidence | None:
    """One evidence block holding a request and its response, as Burp shows them."""
    request, response = request.strip("\n"), response.strip("\n")
    if not request.strip() and not response.strip():
        return None
    parts = []
    if request.strip():
        parts.append(f"Request:\n{request}")
    if response.strip():
        parts.append(f"Response:\n{response}")
    caption = f"Request/response {number}" + (f" ({note})" if note else "")
    return Evidence(caption=caption, code="\n\n".join(parts))
