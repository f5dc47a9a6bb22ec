"""Veracode Detailed Report XML elements: attributes, ancestors, namespaced children, ``<para>`` text."""

from __future__ import annotations

from lxml import etree

from scanlift.parsers._lib import text as _text
from scanlift.parsers._lib.xml import local_name


def attributes(element: etree._Element) -> dict[str, str]:
    return {str(k): str(v).strip() for k, v in element.attrib.items()}


def ancestor(element: etree._Element, name: str) -> etree._Element | None:
    for node in element.iterancestors():
        if isinstance(node.tag, str) and local_name(node.tag) == name:
            return node
    return None


def q(element: etree._Element, tag: str) -> str:
    """``tag`` in the element's namespace (Veracode reports are namespaced)."""
    namespace = etree.QName(element).namespace
    return f"{{{namespace}}}{tag}" if namespace else tag


def child_text(element: etree._Element, tag: str) -> str:
    child = element.find(q(element, tag))
    return _text.clean("".join(str(t) for t in child.itertext())) if child is not None else ""


def paragraphs(element: etree._Element | None) -> str:
    """Veracode ``<para text="…"><bulletitem text="…"/></para>`` blocks as plain text."""
    if element is None:
        return ""
    lines: list[str] = []
    for node in element.iter():
        if not isinstance(node.tag, str):
            continue
        name = local_name(node.tag)
        text = (node.get("text") or "").strip()
        if name == "para" and text:
            lines.append(("\n" if lines else "") + text)
        elif name == "bulletitem" and text:
            lines.append(f"- {text}")
    return _text.clean("\n".join(lines))


def cwe_description(cwe: etree._Element | None) -> str:
    if cwe is None:
        return ""
    description = cwe.find(q(cwe, "description"))
    if description is None:
        return ""
    texts = [(t.get("text") or "").strip() for t in description.iter() if isinstance(t.tag, str)]
    return _text.clean("\n\n".join(t for t in texts if t))


def mitigation_text(element: etree._Element) -> str:
    lines = []
    for mitigation in element.iter():
        if isinstance(mitigation.tag, str) and local_name(mitigation.tag) == "mitigation":
            a = attributes(mitigation)
            who = " by ".join(p for p in (a.get("action", ""), a.get("user", "")) if p)
            when = f" on {a['date']}" if a.get("date") else ""
            what = f": {a['description']}" if a.get("description") else ""
            lines.append(f"{who}{when}{what}".strip())
    return "\n".join(line for line in lines if line)
