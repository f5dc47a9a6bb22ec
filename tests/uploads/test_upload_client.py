"""``scanlift import`` uploads with a Content-Length: AWS S3 refuses chunked PUTs, SeaweedFS does not.

A successful upload to SeaweedFS therefore proves nothing about AWS, so the PUT is captured on the
wire and its headers checked; a second test runs the same client against a real SigV4 URL.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scanlift.client import ImportClient
from scanlift.uploads.keys import new_key
from scanlift.uploads.storage.s3 import S3ObjectStore
from tests.support.seaweed import SeaweedS3

MiB = 1024 * 1024


@dataclass
class FakeApi:
    """Answers authenticate and presigned-url like scanlift; PUTs to ``/upload/...`` are recorded."""

    url: str = ""
    presign: Callable[[str], tuple[str, str]] | None = None
    puts: list[tuple[dict[str, str], int]] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    api: FakeApi
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        request = json.loads(self._body() or b"{}")
        if self.path == "/api/v1/authenticate":
            self._json({"status": "success", "token": "token"})
        elif self.path == "/api/v2/presigned-url":
            key, url = (self.api.presign or self._local_url)(request["name"])
            self._json({"status": "success", "key": key, "url": url})
        else:
            self._json({"message": "not found"}, 404)

    def do_PUT(self) -> None:
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.api.puts.append((headers, len(self._body())))
        self._json({}, 200)

    def _local_url(self, name: str) -> tuple[str, str]:
        key = new_key(name)
        return key, f"{self.api.url}/upload/{key}?X-Signature=abc"

    def _body(self) -> bytes:
        """The request body, whether framed by Content-Length or (the failure case) chunked."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = io.BytesIO()
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                data.write(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                pass
            return data.getvalue()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _json(self, payload: dict[str, Any], status: int = 200) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def fake_api() -> Iterator[FakeApi]:
    api = FakeApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Handler,), {"api": api}))
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()


def _scan_file(tmp_path: Path, size: int) -> Path:
    path = tmp_path / "scan.nessus"
    path.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
    return path


@pytest.mark.parametrize("size", [0, 10, 2 * MiB + 123], ids=["empty", "small", "several-chunks"])
def test_upload_sends_content_length_and_never_chunks(fake_api: FakeApi, tmp_path: Path, size: int) -> None:
    path = _scan_file(tmp_path, size)
    progress: list[tuple[int, int]] = []
    client = ImportClient(fake_api.url, "user", "password")
    try:
        key = client.upload(path, on_progress=lambda done, total: progress.append((done, total)))
    finally:
        client.close()
    assert key.endswith("/scan.nessus")
    [(headers, received)] = fake_api.puts
    assert headers.get("content-length") == str(size)
    assert "transfer-encoding" not in headers
    assert received == size
    assert headers.get("content-type") == "application/octet-stream"
    if size:
        assert progress[-1] == (size, size)


def test_upload_to_a_real_sigv4_url(fake_api: FakeApi, seaweed: SeaweedS3, tmp_path: Path) -> None:
    store = S3ObjectStore(
        bucket="scanlift-client-upload",
        prefix="uploads",
        endpoint_url=seaweed.endpoint_url,
        access_key_id=seaweed.access_key_id,
        secret_access_key=seaweed.secret_access_key,
    )

    def presign(name: str) -> tuple[str, str]:
        key = new_key(name)
        return key, store.presign_put(key, expires_in=300)

    fake_api.presign = presign
    path = _scan_file(tmp_path, 3 * MiB + 5)
    client = ImportClient(fake_api.url, "user", "password")
    try:
        key = client.upload(path)
    finally:
        client.close()
    assert store.stat(key).size == path.stat().st_size
    with store.open(key) as stored:
        assert stored.read() == path.read_bytes()
