"""Auto-detection over the whole corpus: each file is claimed by exactly its own parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanlift.parsers._lib.sniff import HEAD_BYTES
from scanlift.parsers.base import Sniff
from scanlift.parsers.detect import UndetectedFormat, candidates, detect
from tests.conftest import CORPUS_DIR
from tests.support.corpus import ALIASES, AMBIGUOUS, FOLDER_SOURCES, OTHER_PRODUCTS, corpus_files


def _sniff(path: Path) -> Sniff:
    with path.open("rb") as handle:
        return Sniff(handle.read(HEAD_BYTES), path.name)


@pytest.mark.parametrize("name", [n for n in corpus_files(CORPUS_DIR, FOLDER_SOURCES) if n not in AMBIGUOUS])
def test_detection_picks_the_right_parser(corpus_dir: Path, name: str) -> None:
    folder = name.split("/")[0]
    expected = ALIASES.get(FOLDER_SOURCES[folder], FOLDER_SOURCES[folder])
    assert [p.source for p in candidates(_sniff(corpus_dir / name))] == [expected]
    assert detect(_sniff(corpus_dir / name)).source == expected


@pytest.mark.parametrize("name", sorted(AMBIGUOUS))
def test_ambiguous_files_are_refused_with_the_candidates(corpus_dir: Path, name: str) -> None:
    with pytest.raises(UndetectedFormat) as caught:
        detect(_sniff(corpus_dir / name))
    message = str(caught.value)
    assert "matches several" in message
    assert all(source in message for source in AMBIGUOUS[name])


@pytest.mark.parametrize("name", corpus_files(CORPUS_DIR, OTHER_PRODUCTS))
def test_other_products_are_not_claimed(corpus_dir: Path, name: str) -> None:
    with pytest.raises(UndetectedFormat, match="no parser recognises") as caught:
        detect(_sniff(corpus_dir / name))
    assert "nessus" in str(caught.value)  # the valid sources are listed


@pytest.mark.parametrize(
    ("head", "described"),
    [
        (b"<foo><bar/></foo>", "an XML document with root <foo>"),
        (b'{"hello": 1}', "this JSON document"),
        (b"just some text\n", "this file"),
    ],
)
def test_unknown_input_is_described(head: bytes, described: str) -> None:
    with pytest.raises(UndetectedFormat, match=described):
        detect(Sniff(head))
