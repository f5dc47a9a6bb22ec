"""A reader that counts bytes as the parser pulls them, and reports at most twice a second."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import BinaryIO

REPORT_INTERVAL_SECONDS = 0.5


class CountingReader:
    """Wraps the object stream; ``on_progress(bytes_read)`` may raise to abort the parse."""

    def __init__(self, raw: BinaryIO, on_progress: Callable[[int], None]) -> None:
        self._raw = raw
        self._on_progress = on_progress
        self.bytes_read = 0
        self._last_report = time.monotonic()

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.bytes_read += len(data)
        now = time.monotonic()
        if now - self._last_report >= REPORT_INTERVAL_SECONDS:
            self._last_report = now
            self._on_progress(self.bytes_read)
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()
