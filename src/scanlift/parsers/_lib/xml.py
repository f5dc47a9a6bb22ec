"""Safe, streaming XML for every XML parser.

lxml's iterparse with ``resolve_entities="internal"``, ``no_network`` and ``load_dtd=False``
never fetches anything, and an undefined entity reference is a hard error. On top of that, any
document that *declares* an entity is refused outright: hardened parsers otherwise drop or expand
entities silently, and no scanner export needs them. DOCTYPEs themselves are fine, because Burp
carries an inline DTD of ELEMENT/ATTLIST declarations and Qualys names an external one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import BinaryIO

from lxml import etree

from scanlift.parsers._lib.replay import read_head, replay
from scanlift.parsers._lib.sniff import XmlRoot, local_name, xml_root
from scanlift.parsers.base import InvalidFile, Sniff

__all__ = ["iter_elements", "local_name", "release"]


def iter_elements(
    stream: BinaryIO,
    *,
    source: str,
    roots: Collection[str],
    tags: Collection[str],
    discard: Collection[str] = (),
    head: Sniff | None = None,
) -> Iterator[etree._Element]:
    """Yield each element named in ``tags`` once it is complete, then free it.

    ``head`` is what the runner already sniffed from ``stream`` (``Upload.head``, with ``stream``
    at the file's first byte): a wrong root is then refused from it without reading anything.

    ``roots`` lists the accepted root element names; any other root ends the parse with an
    ``InvalidFile`` naming what was found. Elements named in ``discard`` are freed unread, which
    makes skipping a large subtree such as Nessus's ``<Policy>`` cheap. Namespaces are ignored
    when matching names.
    """
    wanted = frozenset(tags)
    dropped = frozenset(discard)
    if head is None:  # a caller that has no Upload: read the head here
        first = read_head(stream)
        _check_root(xml_root(first), source=source, roots=roots)
        stream = replay(first, stream)
    else:
        _check_root(head.xml_root, source=source, roots=roots)
    tracked = _LineTracker(stream)
    context = etree.iterparse(
        tracked,
        events=("end",),
        # Filtering in libxml2 keeps per-element Python work to the records we want.
        tag=[f"{{*}}{name}" for name in sorted(wanted | dropped)],
        resolve_entities="internal",
        no_network=True,
        load_dtd=False,
        huge_tree=True,
        remove_comments=True,
        remove_pis=True,
    )
    checked = False
    try:
        for _event, element in context:
            if not checked:
                _check_document(element, source=source, roots=roots)
                checked = True
            tag = element.tag
            name = tag.rsplit("}", 1)[-1] if tag[0] == "{" else tag
            if name in wanted:
                yield element
            elif name not in dropped:
                continue
            # Free the element and the finished siblings before it (release(), inlined: hot path).
            element.clear(keep_tail=True)
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
        if not checked and context.root is not None:
            _check_document(context.root, source=source, roots=roots)
    except etree.XMLSyntaxError as exc:
        at_end = tracked.at_end and (exc.lineno or 0) >= tracked.lines
        raise InvalidFile(source, describe_syntax_error(exc, started=checked, at_end=at_end)) from None


class _LineTracker:
    """Counts the lines read and notices the end of input, so a cut-off file is named as such."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.lines = 1
        self.at_end = False

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        if data:
            self.lines += data.count(b"\n")
        else:
            self.at_end = True
        return data


def release(element: etree._Element) -> None:
    """Free a finished element and the already-processed siblings before it."""
    element.clear(keep_tail=True)  # type: ignore[call-arg]  # lxml-stubs lag lxml 6
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _check_root(found: XmlRoot | None, *, source: str, roots: Collection[str]) -> None:
    """Refuse a wrong root from the first bytes, before streaming through the whole file."""
    if found is not None and found.name not in roots:
        expected = " or ".join(f"<{r}>" for r in sorted(roots))
        raise InvalidFile(source, f"root element is <{found.name}>, expected {expected}")


def _check_document(first: etree._Element, *, source: str, roots: Collection[str]) -> None:
    tree = first.getroottree()
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):  # type: ignore[attr-defined]
        raise InvalidFile(source, "the document declares XML entities, which are refused for safety")
    root = tree.getroot()
    root_name = local_name(root.tag) if isinstance(root.tag, str) else "?"
    if root_name not in roots:
        expected = " or ".join(f"<{r}>" for r in sorted(roots))
        raise InvalidFile(source, f"root element is <{root_name}>, expected {expected}")


def describe_syntax_error(exc: etree.XMLSyntaxError, *, started: bool, at_end: bool = False) -> str:
    """A reader's explanation of why libxml2 stopped; ``at_end``: it stopped on the last line read."""
    message = (exc.msg or str(exc)).strip()
    lowered = message.lower()
    if "amplification" in lowered or ("entity" in lowered and "loop" in lowered):
        return f"refused an entity-expansion attack ({message})"
    if "Entity '" in message and "not defined" in message:
        return f"refused an undeclared or external XML entity ({message})"
    if not started and (message.startswith("Document is empty") or "no element found" in message):
        return "not XML: no element found"
    if not started and "Start tag expected" in message:
        return "not XML: the content does not start with an XML element"
    if at_end or "Premature end of data" in message:
        return f"truncated: the file ends before its XML is complete ({message})"
    return f"not well-formed XML ({message})"
