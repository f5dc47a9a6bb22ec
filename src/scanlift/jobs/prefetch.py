"""Batches from an iterator produced in a background thread, a bounded number ahead.

The parser runs in the producer thread while the consumer writes the previous batch to the
database: lxml and psycopg release the GIL while they work, so the two overlap on separate cores.
At most ``depth`` batches wait in between, so memory stays flat however large the file is.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

_POLL_SECONDS = 0.2


@dataclass(frozen=True, slots=True)
class _Failed:
    error: BaseException


class _Done:
    pass


_DONE = _Done()


class _Producer(Generic[T]):
    def __init__(self, source: Iterator[T], batch_size: int, depth: int) -> None:
        self.source = source
        self.batch_size = batch_size
        self.queue: queue.Queue[list[T] | _Failed | _Done] = queue.Queue(maxsize=depth)
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            batch: list[T] = []
            for item in self.source:
                batch.append(item)
                if len(batch) >= self.batch_size:
                    if not self._put(batch):
                        return
                    batch = []
            if batch and not self._put(batch):
                return
            self._put(_DONE)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            self._put(_Failed(exc))
        finally:
            close = getattr(self.source, "close", None)
            if close is not None:
                close()

    def _put(self, item: list[T] | _Failed | _Done) -> bool:
        """Wait for room in the queue; False once the consumer has gone away."""
        while not self.stopped.is_set():
            try:
                self.queue.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False


def prefetched_batches(source: Iterator[T], *, batch_size: int, depth: int = 2) -> Iterator[list[T]]:
    """Every item of ``source`` in order, in lists of ``batch_size``, read ahead by a thread.

    An exception in ``source`` is raised in the consumer. When the consumer stops early (an
    exception of its own, or closing this generator), the producer stops at its next batch and
    is joined before this generator returns, so nothing reads the source after that.
    """
    producer = _Producer(source, batch_size, depth)
    thread = threading.Thread(target=producer.run, name="parse-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = producer.queue.get()
            if isinstance(item, _Done):
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        producer.stopped.set()
        thread.join()
