"""Giving memory back after an import, so that an idle worker does not sit on a past file's peak.

Two steps, after every task of a pool process:
- the heap's free pages go back to the system (``give_back``): CPython frees an import's objects,
  but glibc keeps the freed pages of its heap mapped, and only trims what lies at its very top;
- a process whose peak passed ``SCANLIFT_WORKER_RECYCLE_MB`` is replaced by a fresh one
  (Celery's ``worker_max_memory_per_child``), since fragmentation can pin pages that no trim frees.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    trim = getattr(ctypes.CDLL(name), "malloc_trim", None)
    if trim is None:
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim  # type: ignore[no-any-return]


def give_back() -> None:
    """Collect cycles, then return every free page of the C heap to the system."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def recycle_kib(recycle_mb: int) -> int | None:
    """Celery's ``worker_max_memory_per_child`` (KiB of peak RSS) for the setting; 0 turns it off."""
    return recycle_mb * 1024 if recycle_mb else None
