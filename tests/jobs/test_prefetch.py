"""Batches read ahead by a thread: order, errors and early stops."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from scanlift.jobs.prefetch import prefetched_batches


class Source:
    """An iterator that records how far it was read and whether it was closed."""

    def __init__(self, count: int, fail_at: int | None = None) -> None:
        self.count = count
        self.fail_at = fail_at
        self.produced = 0
        self.closed = threading.Event()

    def __iter__(self) -> Iterator[int]:
        return self.items()

    def items(self) -> Iterator[int]:
        try:
            for i in range(self.count):
                if i == self.fail_at:
                    raise ValueError(f"bad item {i}")
                self.produced += 1
                yield i
        finally:
            self.closed.set()


def test_every_item_arrives_in_order_in_batches() -> None:
    batches = list(prefetched_batches(iter(Source(10_001)), batch_size=1000))
    assert [len(b) for b in batches] == [1000] * 10 + [1]
    assert [i for b in batches for i in b] == list(range(10_001))


def test_an_error_in_the_source_reaches_the_consumer_after_the_items_before_it() -> None:
    seen: list[int] = []

    def consume() -> None:
        for batch in prefetched_batches(iter(Source(10_000, fail_at=2500)), batch_size=1000):
            seen.extend(batch)

    with pytest.raises(ValueError, match="bad item 2500"):
        consume()
    assert seen == list(range(2000))


def test_a_consumer_that_stops_early_stops_the_producer_and_closes_the_source() -> None:
    source = Source(1_000_000)
    items = source.items()
    batches = prefetched_batches(items, batch_size=100, depth=2)
    assert next(batches) == list(range(100))
    batches.close()  # joins the producer thread before returning
    assert source.closed.is_set()
    assert source.produced < 1000  # a few batches ahead at most, not the whole source
    assert not any(t.name == "parse-ahead" for t in threading.enumerate())
