"""A deferred-join spool: records parked until what they refer to has been read.

Scanner files often name a thing before they define it: a sighting before its vulnerability
definition (Qualys, Nexpose), an issue before the group it points to (AppScan), a vulnerability
before the host it was found on (Pentera). A parser that must not hold the whole file in memory
parks each such record in a ``Spool`` and reads the records back, in the order they were
written, once the file ends and the definitions are known.

A record is stored as one compact JSON line. The first ``IN_MEMORY_BYTES`` stay in memory; past
that the spool spills to an anonymous temporary file, so memory stays flat whatever the number
of records. The file is deleted when the spool closes (use it as a context manager, so that
happens on an error too).

A record appended with a ``key`` can also be looked up by that key (the first record of a key
wins), for definitions that are themselves too many to keep in memory: only the key and the
record's offset are held.

A spool made with a ``group_by`` function can also be read back grouped (``grouped()``): ordered
by that key, and in the order written within a key, for a join that wants all the records of
one definition together. That is a stable external merge sort: sorted runs of at most
``IN_MEMORY_BYTES`` each go to a second temporary file and are merged.
"""

from __future__ import annotations

import heapq
import json
import tempfile
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import IO, Any, Generic, TypeVar

#: What a spool keeps in memory before it spills to disk (also the size of one sorted run).
IN_MEMORY_BYTES = 1024 * 1024
#: Bytes read from each sorted run at a time while the runs are merged.
_MERGE_READ_BYTES = 64 * 1024
#: Between a line's group key and its record (neither JSON text nor an escaped key holds a raw tab).
_TAB = b"\t"
_ENCODER = json.JSONEncoder(separators=(",", ":"))
_DECODER = json.JSONDecoder()

T = TypeVar("T")


def _same(value: Any) -> Any:
    return value


class Spool(Generic[T]):
    """Append records; iterate them back in the order written (any number of times).

    ``encode`` turns a record into a JSON-able value and ``decode`` turns that value back; a
    spool of plain JSON values (dicts, lists, strings, numbers) is ``Spool.of_json()``.
    ``group_by`` names the key that ``grouped()`` orders by.
    """

    def __init__(
        self,
        encode: Callable[[T], Any],
        decode: Callable[[Any], T],
        *,
        group_by: Callable[[T], str] | None = None,
        in_memory: int = IN_MEMORY_BYTES,
    ) -> None:
        self._encode = encode
        self._decode = decode
        self._group_by = group_by
        self._in_memory = in_memory
        self._file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=in_memory)  # noqa: SIM115 (closed by close())
        self._offsets: dict[str, int] = {}
        self._end = 0
        self.count = 0

    @classmethod
    def of_json(cls, *, in_memory: int = IN_MEMORY_BYTES) -> Spool[Any]:
        """A spool of JSON values, stored and returned as they are."""
        return Spool(_same, _same, in_memory=in_memory)

    def __len__(self) -> int:
        return self.count

    def append(self, record: T, *, key: str | None = None) -> None:
        """Park ``record`` at the end; with ``key``, also make it the record ``find(key)`` returns
        (unless an earlier record has that key)."""
        if key is not None and key not in self._offsets:
            self._offsets[key] = self._end
        line = _ENCODER.encode(self._encode(record)).encode("utf-8") + b"\n"
        if self._group_by is not None:
            line = _escaped(self._group_by(record)) + _TAB + line
        self._file.seek(self._end)
        self._file.write(line)
        self._end += len(line)
        self.count += 1

    def __contains__(self, key: object) -> bool:
        return key in self._offsets

    def find(self, key: str) -> T | None:
        """The first record appended with ``key``, or None. Not to be called while this same
        spool is being iterated."""
        offset = self._offsets.get(key)
        if offset is None:
            return None
        self._file.seek(offset)
        return self._record(self._file.readline())

    def __iter__(self) -> Iterator[T]:
        """Every record, in the order appended. Appending while iterating is not supported."""
        self._file.seek(0)
        for line in self._file:
            yield self._record(line)

    def grouped(self) -> Iterator[T]:
        """Every record ordered by its ``group_by`` key; records of equal key in the order appended.

        Memory stays bounded: runs of at most ``in_memory`` bytes are sorted one at a time and
        written to a temporary file (deleted when the iteration ends), then merged.
        """
        if self._group_by is None:
            raise TypeError("grouped() needs a spool made with group_by")
        runs: list[tuple[int, int]] = []  # (start, end) of each sorted run in ``sorted_runs``
        with tempfile.TemporaryFile() as sorted_runs:
            batch: list[tuple[str, bytes]] = []
            size = 0
            self._file.seek(0)
            for line in self._file:
                batch.append(_keyed(line))
                size += len(line)
                if size >= self._in_memory:
                    runs.append(_write_run(sorted_runs, batch))
                    batch, size = [], 0
            if not runs:  # everything fits in one run: no merge needed
                batch.sort(key=_first)
                merged: Iterator[tuple[str, bytes]] = iter(batch)
            else:
                if batch:
                    runs.append(_write_run(sorted_runs, batch))
                del batch
                chunk = max(1024, _MERGE_READ_BYTES // len(runs))
                # heapq.merge is stable: on equal keys, the earlier run (earlier records) comes first.
                merged = heapq.merge(*(_read_run(sorted_runs, run, chunk) for run in runs), key=_first)
            for _key, record in merged:
                yield self._decode(_value(record))

    def _record(self, line: bytes) -> T:
        if self._group_by is not None:
            line = line.split(_TAB, 1)[1]
        return self._decode(_value(line))

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spool[T]:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def _value(line: bytes) -> Any:
    return _DECODER.decode(line.decode("utf-8"))


def _escaped(key: str) -> bytes:
    """``key`` with tabs, newlines and every other non-printable or non-ASCII character escaped."""
    return key.encode("unicode_escape")


def _keyed(line: bytes) -> tuple[str, bytes]:
    """A stored "key TAB record" line -> (key, record)."""
    key, record = line.split(_TAB, 1)
    return key.decode("unicode_escape"), record


def _first(pair: tuple[str, bytes]) -> str:
    return pair[0]


def _write_run(file: IO[bytes], batch: list[tuple[str, bytes]]) -> tuple[int, int]:
    """Sort ``batch`` (stably) and append it to ``file`` as "key TAB record" lines."""
    batch.sort(key=_first)
    file.seek(0, 2)
    start = file.tell()
    for key, record in batch:
        file.write(_escaped(key) + _TAB + record)
    return start, file.tell()


def _read_run(file: IO[bytes], run: tuple[int, int], chunk: int) -> Iterator[tuple[str, bytes]]:
    """The (key, record) pairs of one run, read ``chunk`` bytes at a time (the file is shared)."""
    position, end = run
    rest = b""
    while position < end:
        file.seek(position)
        block = file.read(min(chunk, end - position))
        position += len(block)
        *lines, rest = (rest + block).split(b"\n")
        for line in lines:
            yield _keyed(line + b"\n")
