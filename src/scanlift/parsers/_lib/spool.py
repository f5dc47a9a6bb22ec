"""A deferred-join spool: records parked on disk until what they refer to has been read.

Scanner files often name a thing before they define it (a sighting before its vulnerability
definition, an issue before the group it points to). A parser parks each such record here as one
JSON line in an anonymous temporary file, keeps only the definitions in memory, and reads the
records back, in the order they were written, once the file ends. Memory stays flat whatever the
number of records; the file is deleted when the spool closes, also on an error.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from types import TracebackType
from typing import Any


class JsonLinesSpool:
    """Append JSON-able values; iterate them back in order (any number of times)."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close() or the with-block)
        self.count = 0

    def append(self, value: Any) -> None:
        self._file.write(json.dumps(value, separators=(",", ":")).encode("utf-8") + b"\n")
        self.count += 1

    def __iter__(self) -> Iterator[Any]:
        self._file.seek(0)
        for line in self._file:
            yield json.loads(line)
        self._file.seek(0, 2)  # appends after a read-back go to the end

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> JsonLinesSpool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
