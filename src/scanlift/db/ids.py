"""Time-ordered UUIDs for rows written in bulk.

``uuid.uuid4()`` costs a system call per id, which showed up as a tenth of a large merge's
Python time. These are UUIDv7 (RFC 9562): a millisecond timestamp, then random bits drawn once
per generator, then a counter. They are unique across processes (74 random bits per generator)
and increase within one, so new rows land at the end of the primary-key index.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

_COUNTER_BITS = 32


def time_ordered_uuids() -> Iterator[str]:
    """An endless stream of distinct UUIDv7 strings, in increasing order."""
    while True:
        yield from _one_run()


def _one_run() -> Iterator[str]:
    millis = time.time_ns() // 1_000_000 & ((1 << 48) - 1)
    rand_a = secrets.randbits(12)
    rand_b = secrets.randbits(62 - _COUNTER_BITS)
    high = (millis << 16) | (0x7 << 12) | rand_a  # 48-bit time, version 7, 12 random bits
    prefix = f"{high >> 32:08x}-{(high >> 16) & 0xFFFF:04x}-{high & 0xFFFF:04x}"
    low_base = (0b10 << 62) | (rand_b << _COUNTER_BITS)  # variant 10, random bits, counter
    for counter in range(1 << _COUNTER_BITS):  # a new run, with new random bits, when it wraps
        low = low_base | counter
        yield f"{prefix}-{low >> 48:04x}-{low & 0xFFFF_FFFF_FFFF:012x}"
