"""A private temporary spool of parsed records.

The parse runs to the end before anything touches the report, so a file that turns out bad at
99 % leaves the report untouched, and the merge can run in one short transaction. The spool is
written and read by the same worker process only; records go through ``codec`` as plain tuples.
"""

from __future__ import annotations

import marshal
import struct
import tempfile
from collections.abc import Iterator
from types import TracebackType
from typing import IO

from scanlift.jobs import codec
from scanlift.parsers.base import ScanRecord

BATCH_SIZE = 5000
_HEADER = struct.Struct("<I")


class RecordSpool:
    def __init__(self, directory: str | None = None) -> None:
        # Closed by close()/__exit__; the spool outlives any single with-block in __init__.
        self._file: IO[bytes] = tempfile.TemporaryFile(dir=directory, prefix="scanlift-spool-")  # noqa: SIM115
        self._pending: list[ScanRecord] = []
        self.count = 0

    def append(self, record: ScanRecord) -> None:
        self._pending.append(record)
        self.count += 1
        if len(self._pending) >= BATCH_SIZE:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        # No compression: zlib cost more than the disk writes it saved.
        frame = marshal.dumps([codec.encode(r) for r in self._pending])
        self._file.write(_HEADER.pack(len(frame)))
        self._file.write(frame)
        self._pending = []

    def batches(self) -> Iterator[list[ScanRecord]]:
        """Every record in write order, in batches; call once, after the last append."""
        self._flush()
        self._file.seek(0)
        while header := self._file.read(_HEADER.size):
            (length,) = _HEADER.unpack(header)
            frame = self._file.read(length)
            yield [codec.decode(r) for r in marshal.loads(frame)]  # noqa: S302 - our own temporary file

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> RecordSpool:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
