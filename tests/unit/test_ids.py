"""Time-ordered UUIDs: valid version 7 UUIDs, distinct, increasing within a generator."""

from __future__ import annotations

import itertools
import uuid

from scanlift.db.ids import time_ordered_uuids


def test_ids_are_distinct_increasing_version_7_uuids() -> None:
    ids = list(itertools.islice(time_ordered_uuids(), 100_000))
    parsed = [uuid.UUID(i) for i in ids]
    assert {u.version for u in parsed} == {7}
    assert {u.variant for u in parsed} == {uuid.RFC_4122}
    assert [str(u) for u in parsed] == ids  # canonical lower-case form
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_two_generators_never_collide() -> None:
    first = set(itertools.islice(time_ordered_uuids(), 10_000))
    second = set(itertools.islice(time_ordered_uuids(), 10_000))
    assert not first & second
