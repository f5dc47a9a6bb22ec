"""A TCP proxy whose responses trickle at a fixed rate: a slow link to a real server.

Requests pass at full speed; everything the server sends back is paced per connection. Put in
front of the S3 server, it makes a small file take as long to import as a huge one would, so
tests can outlive leases and broker timeouts in seconds rather than hours.
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import suppress
from types import TracebackType
from urllib.parse import urlsplit

_CHUNK = 8192


class ThrottledProxy:
    def __init__(self, target_url: str, *, bytes_per_second: int) -> None:
        target = urlsplit(target_url)
        assert target.hostname is not None
        assert target.port is not None
        self._target = (target.hostname, target.port)
        self._rate = bytes_per_second
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._closed = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def __enter__(self) -> ThrottledProxy:
        threading.Thread(target=self._accept, name="throttle-accept", daemon=True).start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._closed.set()
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                with suppress(OSError):
                    sock.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self._target, timeout=10)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, None), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, self._rate), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, rate: int | None) -> None:
        started, sent = time.monotonic(), 0
        try:
            while data := source.recv(_CHUNK):
                sink.sendall(data)
                if rate is not None:
                    sent += len(data)
                    ahead = sent / rate - (time.monotonic() - started)
                    if ahead > 0:
                        time.sleep(ahead)
                    elif ahead < -1:  # an idle keep-alive connection earns no burst
                        started, sent = time.monotonic(), 0
        except OSError:
            pass
        finally:
            with suppress(OSError):
                sink.shutdown(socket.SHUT_WR)
