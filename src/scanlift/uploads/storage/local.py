"""The embedded object store: files under a directory, uploaded through the API's own signed PUT."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from io import BufferedWriter
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urlencode

import anyio

from scanlift.errors import PayloadTooLarge
from scanlift.uploads import signing
from scanlift.uploads.keys import is_valid_key
from scanlift.uploads.storage.base import ObjectChanged, ObjectInfo

_WRITE_BATCH = 1024 * 1024


class LocalObjectStore:
    def __init__(self, *, root: str | Path, public_url: str, secret: str) -> None:
        self.root = Path(root).resolve()
        self.public_url = public_url.rstrip("/")
        self._secret = secret
        self._tmp = self.root / ".incoming"
        self._tmp.mkdir(parents=True, exist_ok=True)

    def path_for(self, key: str) -> Path:
        if not is_valid_key(key):
            raise FileNotFoundError(key)
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise FileNotFoundError(key)
        return path

    def presign_put(self, key: str, *, expires_in: int) -> str:
        self.path_for(key)  # refuse keys that could not be stored
        expires = int(time.time()) + expires_in
        query = urlencode(
            {
                signing.EXPIRES_PARAM: expires,
                signing.SIGNATURE_PARAM: signing.sign(self._secret, method="PUT", key=key, expires=expires),
            }
        )
        return f"{self.public_url}/cloud/uploads/{quote(key)}?{query}"

    def verify_put(self, key: str, expires: str | None, signature: str | None) -> str | None:
        return signing.verify(self._secret, method="PUT", key=key, expires=expires, signature=signature)

    async def receive(self, key: str, body: AsyncIterator[bytes], *, max_bytes: int) -> ObjectInfo:
        """Stream ``body`` to a temporary file, then move it into place; never held in memory."""
        tally = _Tally(max_bytes)
        with self._incoming(key) as handle:
            pending: list[bytes] = []
            pending_size = 0
            async for chunk in body:
                tally.add(chunk)
                pending.append(chunk)
                pending_size += len(chunk)
                # Writes go to a thread, in batches, so that a slow disk never stalls the event loop.
                if pending_size >= _WRITE_BATCH:
                    await anyio.to_thread.run_sync(handle.write, b"".join(pending))
                    pending, pending_size = [], 0
            if pending:
                await anyio.to_thread.run_sync(handle.write, b"".join(pending))
        return tally.info()

    def put(self, key: str, stream: BinaryIO, *, max_bytes: int) -> ObjectInfo:
        tally = _Tally(max_bytes)
        with self._incoming(key) as handle:
            while chunk := stream.read(_WRITE_BATCH):
                tally.add(chunk)
                handle.write(chunk)
        return tally.info()

    @contextlib.contextmanager
    def _incoming(self, key: str) -> Iterator[BufferedWriter]:
        """A temporary file that replaces the object ``key`` once the block ends, and is deleted if
        it fails (or is cancelled): readers only ever see a complete object."""
        target = self.path_for(key)
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix="put-")
        try:
            with os.fdopen(fd, "wb") as handle:
                yield handle
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

    def stat(self, key: str) -> ObjectInfo:
        return _info(self.path_for(key).stat())  # raises FileNotFoundError

    def open(self, key: str, *, etag: str | None = None) -> BinaryIO:
        handle = self.path_for(key).open("rb")
        # A PUT replaces the file (a new inode, a new mtime): the handle already open keeps the
        # bytes it names, so checking that handle's own ETag leaves no gap for a swap.
        if etag is not None and _info(os.fstat(handle.fileno())).etag != etag:
            handle.close()
            raise ObjectChanged(key)
        return handle

    def delete(self, key: str) -> None:
        try:
            path = self.path_for(key)
        except FileNotFoundError:
            return
        path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            path.parent.rmdir()

    def check(self) -> None:
        if not os.access(self.root, os.W_OK):
            raise OSError(f"object store directory {self.root} is not writable")


class _Tally:
    """The size and MD5 of an upload as its chunks arrive, refused as soon as it passes the limit."""

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._size = 0
        self._digest = hashlib.md5(usedforsecurity=False)

    def add(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > self._max_bytes:
            raise PayloadTooLarge(f"the upload exceeds the {self._max_bytes}-byte limit")
        self._digest.update(chunk)

    def info(self) -> ObjectInfo:
        return ObjectInfo(size=self._size, etag=self._digest.hexdigest())


def _info(status: os.stat_result) -> ObjectInfo:
    # Every write lands in a new file that replaces the old one, so the inode tells versions apart
    # even when two writes of one size share an mtime tick.
    return ObjectInfo(size=status.st_size, etag=f"{status.st_ino:x}-{status.st_mtime_ns:x}-{status.st_size:x}")
