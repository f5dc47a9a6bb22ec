"""Cheap looks at a file's first bytes, shared by detection and by parsers' ``sniff``."""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass, field

from lxml import etree

HEAD_BYTES = 64 * 1024


def local_name(tag: object) -> str:
    """``{namespace}Issue`` -> ``Issue``; comments and processing instructions -> ""."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


@dataclass(frozen=True, slots=True)
class XmlRoot:
    name: str
    attributes: dict[str, str] = field(default_factory=dict)


def xml_root(head: bytes) -> XmlRoot | None:
    """The root element of an XML document from its first bytes, or None if it is not XML."""
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()
    if not stripped.startswith(b"<") and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    try:
        for _event, element in etree.iterparse(
            io.BytesIO(head),
            events=("start",),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=True,
        ):
            tag = element.tag if isinstance(element.tag, str) else ""
            return XmlRoot(local_name(tag), {str(k): str(v) for k, v in element.attrib.items()})
    except etree.XMLSyntaxError:
        return None
    return None


def looks_binary(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in head[:8192]


def bom_encoding(head: bytes) -> str:
    """The encoding a byte-order mark names, or "utf-8" (XML and JSON's default) without one."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le"
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
    return "utf-8"
