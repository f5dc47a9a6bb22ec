"""Core Impact's one building block: a ``property`` with a ``key``, holding text or more properties."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree


def props(element: etree._Element) -> Iterator[etree._Element]:
    """Direct ``property`` children."""
    return (c for c in element.iterchildren() if c.tag == "property")


def prop(element: etree._Element, key: str) -> etree._Element | None:
    return next((c for c in props(element) if c.get("key") == key), None)


def leaf(element: etree._Element, key: str) -> str:
    found = prop(element, key)
    return (found.text or "").strip() if found is not None else ""


def is_container(element: etree._Element) -> bool:
    return element.get("type") == "container" or any(True for _ in props(element))


def render(element: etree._Element, indent: str = "") -> list[str]:
    """``key: value`` lines for every property under ``element``, nested containers indented."""
    lines = []
    for child in props(element):
        key = child.get("key") or ""
        if any(True for _ in props(child)):
            lines.append(f"{indent}{key}:")
            lines.extend(render(child, indent + "  "))
        else:
            lines.append(f"{indent}{key}: {(child.text or '').strip()}".rstrip())
    return lines


def render_one(element: etree._Element) -> list[str]:
    """``render`` of one property: its own ``key: value`` line, or its key over its children."""
    key = element.get("key") or ""
    if any(True for _ in props(element)):
        return [f"{key}:", *render(element, "  ")]
    return [f"{key}: {(element.text or '').strip()}".rstrip()]
