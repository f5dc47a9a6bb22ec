"""Identifier helpers: CVE/CWE extraction and PlexTrac's title-hash finding id."""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Iterable

#: CVE numbers have four digits or more; more than nine is no CVE any catalogue holds.
CVE_RE = re.compile(r"CVE-\d{4}-\d{4,9}(?!\d)", re.IGNORECASE)
_CWE_RE = re.compile(r"(?:CWE)?[-:\s]*(\d{1,5})", re.IGNORECASE)


def title_flaw_id(title: str) -> str:
    """PlexTrac's id for a finding whose tool has none: sha256(title) as an integer, mod 10^8."""
    digest = hashlib.sha256(title.encode("utf-8")).hexdigest()
    return str(int(digest, 16) % 10**8)


def find_cves(*texts: str | None) -> tuple[str, ...]:
    """Every distinct CVE id in the texts, upper-cased, in order of first appearance."""
    seen: dict[str, None] = {}
    for text in texts:
        if text:
            for match in CVE_RE.findall(text):
                seen.setdefault(match.upper(), None)
    return tuple(seen)


def parse_cwe(text: str | None) -> int | None:
    """ "CWE-79", "79", "CWE:79" -> 79; anything else -> None."""
    if not text:
        return None
    match = _CWE_RE.fullmatch(text.strip())
    return int(match.group(1)) if match else None


def unique(values: Iterable[str]) -> tuple[str, ...]:
    """Drop blanks and repeats, keep the first order."""
    return tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def is_ip(text: str) -> bool:
    """Whether ``text`` is exactly an IPv4 or IPv6 address (no surrounding blanks, no port)."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
