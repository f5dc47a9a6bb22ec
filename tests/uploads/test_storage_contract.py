"""One contract for every object store: the embedded local store and S3 (against SeaweedFS, a real SigV4 server)."""

from __future__ import annotations

import hashlib
import http.client
import io
import threading
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from scanlift.app import create_app
from scanlift.config import Settings
from scanlift.errors import PayloadTooLarge
from scanlift.runtime import Runtime
from scanlift.uploads.keys import new_key
from scanlift.uploads.storage import ObjectChanged, ObjectStore, open_store
from scanlift.uploads.storage.local import LocalObjectStore
from scanlift.uploads.storage.s3 import S3ObjectStore
from tests.support.accounts import login, make_user
from tests.support.seaweed import SeaweedS3, free_ports

MiB = 1024 * 1024
CONTRACT_BUCKET = "scanlift-contract"
#: File names whose keys exercise URL quoting and signing: spaces, parentheses, + , = @ and sanitised input.
KEY_NAMES = ("scan.nessus", "scan (1).nessus", "report+final,v=2@acme.xml", "ünïcødé.xml", "../../etc/passwd")


@dataclass
class Backend:
    name: str
    store: ObjectStore
    #: PUTs ``content`` to a presigned URL the way a client would (always with Content-Length).
    put_url: Callable[[str, bytes | Iterator[bytes], int], int]


def s3_store(seaweed: SeaweedS3, bucket: str = CONTRACT_BUCKET, **overrides: Any) -> S3ObjectStore:
    options: dict[str, Any] = {
        "bucket": bucket,
        "prefix": f"contract/{uuid.uuid4().hex}",
        "endpoint_url": seaweed.endpoint_url,
        "region": seaweed.region,
        "access_key_id": seaweed.access_key_id,
        "secret_access_key": seaweed.secret_access_key,
    }
    return S3ObjectStore(**(options | overrides))


def fresh_bucket() -> str:
    return f"scanlift-{uuid.uuid4().hex[:20]}"


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "local":
        # The local store's presigned URLs point at the API's own PUT route, so they go through the app.
        api: TestClient = request.getfixturevalue("api")
        runtime: Runtime = request.getfixturevalue("runtime")

        def put_via_app(url: str, content: bytes | Iterator[bytes], length: int) -> int:
            response: httpx.Response = api.put(url, content=content, headers={"Content-Length": str(length)})
            return response.status_code

        return Backend("local", runtime.storage, put_via_app)

    seaweed: SeaweedS3 = request.getfixturevalue("seaweed")

    def put_direct(url: str, content: bytes | Iterator[bytes], length: int) -> int:
        return httpx.put(url, content=content, headers={"Content-Length": str(length)}, timeout=30).status_code

    return Backend("s3", s3_store(seaweed), put_direct)


class PatternReader(io.RawIOBase):
    """``size`` bytes of a repeating pattern, produced on demand, never held whole."""

    def __init__(self, size: int) -> None:
        self.remaining = size
        self._pattern = bytes(range(256)) * 4096  # 1 MiB

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        count = min(len(view), self.remaining, len(self._pattern))
        view[:count] = self._pattern[:count]
        self.remaining -= count
        return count


def pattern_md5(size: int) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    reader = PatternReader(size)
    while chunk := reader.read(MiB):
        digest.update(chunk)
    return digest.hexdigest()


def read_all(store: ObjectStore, key: str) -> bytes:
    with store.open(key) as reader:
        return reader.read()


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit(parts._replace(query=urlencode(query | changes)))


def signature_param(url: str) -> str:
    return next(name for name, _ in parse_qsl(urlsplit(url).query) if name.endswith("-Signature"))


# -- the contract, for every store -------------------------------------------------------------------


@pytest.mark.parametrize("name", KEY_NAMES)
def test_put_stat_open_delete(backend: Backend, name: str) -> None:
    store = backend.store
    key = new_key(name)
    payload = b"<NessusClientData_v2/>\n" * 5000
    info = store.put(key, io.BytesIO(payload), max_bytes=10 * MiB)
    assert info.size == len(payload)
    assert info.etag
    assert store.stat(key).size == len(payload)
    assert read_all(store, key) == payload
    store.put(key, io.BytesIO(b"replaced"), max_bytes=10 * MiB)
    assert read_all(store, key) == b"replaced"
    store.delete(key)
    with pytest.raises(FileNotFoundError):
        store.stat(key)
    store.delete(key)  # deleting again is not an error


def test_put_of_an_empty_stream(backend: Backend) -> None:
    key = new_key("empty.xml")
    assert backend.store.put(key, io.BytesIO(b""), max_bytes=10).size == 0
    assert backend.store.stat(key).size == 0
    assert read_all(backend.store, key) == b""


def test_open_with_an_etag_reads_only_the_object_stat_saw(backend: Backend) -> None:
    store, key = backend.store, new_key("scan.nessus")
    store.put(key, io.BytesIO(b"first"), max_bytes=100)
    seen = store.stat(key).etag
    with store.open(key, etag=seen) as reader:
        assert reader.read() == b"first"
    store.put(key, io.BytesIO(b"other"), max_bytes=100)  # the same size: only the version differs
    with pytest.raises(ObjectChanged, match="was replaced after the import was queued"):
        store.open(key, etag=seen)
    with store.open(key, etag=store.stat(key).etag) as reader:
        assert reader.read() == b"other"


def test_missing_and_malformed_keys_raise_file_not_found(backend: Backend) -> None:
    store = backend.store
    for key in (new_key("never-uploaded.xml"), "../../etc/passwd", "a" * 24 + "/../x", "not-a-key"):
        with pytest.raises(FileNotFoundError):
            store.stat(key)
        with pytest.raises(FileNotFoundError):
            store.open(key)
        store.delete(key)


@pytest.mark.parametrize("name", KEY_NAMES)
def test_presigned_put_stores_the_exact_bytes(backend: Backend, name: str) -> None:
    key = new_key(name)
    payload = bytes(range(256)) * 4099
    url = backend.store.presign_put(key, expires_in=300)
    assert backend.put_url(url, payload, len(payload)) == 200
    assert backend.store.stat(key).size == len(payload)
    assert read_all(backend.store, key) == payload


def test_presigned_put_streamed_in_chunks_with_content_length(backend: Backend) -> None:
    """What ``scanlift import`` does: a generator body, and the length declared up front."""
    key = new_key("streamed.nessus")
    size = 3 * MiB + 17
    url = backend.store.presign_put(key, expires_in=300)
    reader = PatternReader(size)
    assert backend.put_url(url, iter(lambda: reader.read(256 * 1024), b""), size) == 200
    assert backend.store.stat(key).size == size
    digest = hashlib.md5(usedforsecurity=False)
    with backend.store.open(key) as stored:
        while chunk := stored.read(MiB):
            digest.update(chunk)
    assert digest.hexdigest() == pattern_md5(size)


def test_tampered_and_moved_presigned_urls_are_refused(backend: Backend) -> None:
    key, other = new_key("scan.nessus"), new_key("other.nessus")
    url = backend.store.presign_put(key, expires_in=300)
    name = signature_param(url)
    signature = dict(parse_qsl(urlsplit(url).query))[name]
    tampered = with_query(url, **{name: ("0" if signature[0] != "0" else "1") + signature[1:]})
    moved = url.replace(key.split("/")[0], other.split("/")[0])
    assert moved != url
    for attempt in (tampered, moved):
        assert backend.put_url(attempt, b"data", 4) == 403, attempt
    for candidate in (key, other):
        with pytest.raises(FileNotFoundError):
            backend.store.stat(candidate)


def test_expired_presigned_url_is_refused(backend: Backend) -> None:
    key = new_key("late.nessus")
    url = backend.store.presign_put(key, expires_in=1)
    time.sleep(2.5)
    assert backend.put_url(url, b"data", 4) == 403
    with pytest.raises(FileNotFoundError):
        backend.store.stat(key)


@pytest.mark.parametrize(
    ("size", "limit"),
    [(1001, 1000), (20 * MiB, 10 * MiB)],  # one PUT, and (for S3) a multipart upload aborted midway
    ids=["small", "multipart"],
)
def test_put_enforces_max_bytes(backend: Backend, size: int, limit: int) -> None:
    key = new_key("huge.nessus")
    with pytest.raises(PayloadTooLarge):
        backend.store.put(key, io.BufferedReader(PatternReader(size)), max_bytes=limit)
    with pytest.raises(FileNotFoundError):
        backend.store.stat(key)
    exact = new_key("exact.nessus")
    assert backend.store.put(exact, io.BufferedReader(PatternReader(limit)), max_bytes=limit).size == limit


def test_large_objects_stream_in_and_out_without_being_held(backend: Backend) -> None:
    key = new_key("big.nessus")
    size = 50 * 1000 * 1000
    tracemalloc.start()
    try:
        info = backend.store.put(key, io.BufferedReader(PatternReader(size), MiB), max_bytes=size)
        _, put_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        digest = hashlib.md5(usedforsecurity=False)
        read = 0
        with backend.store.open(key) as stored:
            while chunk := stored.read(MiB):
                digest.update(chunk)
                read += len(chunk)
        _, open_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.size == size == read
    assert backend.store.stat(key).size == size
    assert digest.hexdigest() == pattern_md5(size)
    assert open_peak < 10 * MiB, f"reading held {open_peak / MiB:.1f} MiB"
    assert put_peak < 16 * MiB, f"writing held {put_peak / MiB:.1f} MiB"


def test_check_passes(backend: Backend) -> None:
    backend.store.check()


# -- S3 only -------------------------------------------------------------------------------------------


def test_objects_live_under_the_url_prefix(seaweed: SeaweedS3) -> None:
    store = s3_store(seaweed, prefix="tenant-files/scans/")
    key = new_key("scan.nessus")
    store.put(key, io.BytesIO(b"<x/>"), max_bytes=100)
    head = seaweed.client().head_object(Bucket=CONTRACT_BUCKET, Key=f"tenant-files/scans/{key}")
    assert head["ContentLength"] == 4
    url = store.presign_put(key, expires_in=60)
    assert urlsplit(url).path.startswith(f"/{CONTRACT_BUCKET}/tenant-files/scans/{key.split('/')[0]}/")
    assert "X-Amz-Signature=" in url
    assert "X-Amz-Credential=" in url


def test_an_oversized_put_aborts_its_multipart_upload(seaweed: SeaweedS3) -> None:
    store = s3_store(seaweed)
    with pytest.raises(PayloadTooLarge):
        store.put(new_key("huge.nessus"), io.BufferedReader(PatternReader(20 * MiB)), max_bytes=10 * MiB)
    pending = seaweed.client().list_multipart_uploads(Bucket=CONTRACT_BUCKET, Prefix=store.prefix + "/")
    assert pending.get("Uploads", []) == []


def test_bucket_is_created_on_first_use(seaweed: SeaweedS3) -> None:
    admin = seaweed.client()
    checked, used = fresh_bucket(), fresh_bucket()
    s3_store(seaweed, bucket=checked).check()
    admin.head_bucket(Bucket=checked)
    # Without a readiness check, the first operation creates it.
    store = s3_store(seaweed, bucket=used)
    key = new_key("scan.nessus")
    store.put(key, io.BytesIO(b"<x/>"), max_bytes=100)
    admin.head_bucket(Bucket=used)
    assert store.stat(key).size == 4
    # A second store (another process) finds it there.
    s3_store(seaweed, bucket=used).check()


def test_missing_bucket_is_a_clear_error_when_creation_is_off(seaweed: SeaweedS3) -> None:
    bucket = fresh_bucket()
    store = s3_store(seaweed, bucket=bucket, create_bucket=False)
    expected = rf"S3 bucket '{bucket}' does not exist at {seaweed.endpoint_url}.*SCANLIFT_S3_CREATE_BUCKET=true"
    with pytest.raises(RuntimeError, match=expected):
        store.check()
    with pytest.raises(RuntimeError, match=expected):
        store.put(new_key("scan.nessus"), io.BytesIO(b"x"), max_bytes=10)
    assert bucket not in {b["Name"] for b in seaweed.client().list_buckets()["Buckets"]}


def test_wrong_credentials_are_reported(seaweed: SeaweedS3) -> None:
    store = s3_store(seaweed, secret_access_key="not-the-secret")
    with pytest.raises(RuntimeError, match=rf"access to S3 bucket '{CONTRACT_BUCKET}' .* was refused"):
        store.check()


def test_an_unreachable_store_fails_the_check_quickly() -> None:
    (port,) = free_ports(1)
    store = S3ObjectStore(
        bucket="scanlift-nowhere",
        endpoint_url=f"http://127.0.0.1:{port}",
        access_key_id="x",
        secret_access_key="y",
    )
    started = time.monotonic()
    with pytest.raises(Exception, match=str(port)):
        store.check()
    assert time.monotonic() - started < 5


class _StripPrefixProxy(BaseHTTPRequestHandler):
    """A reverse proxy like PlexTrac's ``/cloud/``: strips the prefix and forwards the Host header unchanged."""

    upstream: tuple[str, int]
    prefix = "/cloud"
    seen: list[str]

    def do_PUT(self) -> None:
        self.seen.append(self.path)
        if not self.path.startswith(self.prefix + "/"):
            self.send_error(404)
            return
        body = self.rfile.read(int(self.headers["Content-Length"]))
        connection = http.client.HTTPConnection(*self.upstream, timeout=30)
        try:
            connection.putrequest("PUT", self.path[len(self.prefix) :], skip_host=True, skip_accept_encoding=True)
            for header, value in self.headers.items():
                connection.putheader(header, value)
            connection.endheaders(body)
            answer = connection.getresponse()
            data = answer.read()
        finally:
            connection.close()
        self.send_response(answer.status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def cloud_proxy(seaweed: SeaweedS3) -> Iterator[tuple[str, list[str]]]:
    upstream = urlsplit(seaweed.endpoint_url)
    seen: list[str] = []
    handler = type("Proxy", (_StripPrefixProxy,), {"upstream": (upstream.hostname, upstream.port), "seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/cloud", seen
    finally:
        server.shutdown()
        server.server_close()


def test_presigned_urls_are_signed_for_the_public_endpoint(
    seaweed: SeaweedS3, cloud_proxy: tuple[str, list[str]]
) -> None:
    public, seen = cloud_proxy
    store = s3_store(seaweed, public_endpoint_url=public + "/")
    key = new_key("scan (1).nessus")
    url = store.presign_put(key, expires_in=60)
    assert url.startswith(f"{public}/{CONTRACT_BUCKET}/{store.prefix}/{key.split('/')[0]}/")
    assert seaweed.endpoint_url not in url
    # The server-side client still uses the internal endpoint ...
    store.put(new_key("direct.xml"), io.BytesIO(b"direct"), max_bytes=100)
    # ... and the URL works through a proxy that strips /cloud and keeps the Host header.
    payload = b"<NessusClientData_v2/>" * 100
    assert httpx.put(url, content=payload, headers={"Content-Length": str(len(payload))}).status_code == 200
    assert [path[:7] for path in seen] == ["/cloud/"]
    assert read_all(store, key) == payload
    # Signed for the public host: sent straight to the internal endpoint, the signature does not match.
    direct = url.replace(public, seaweed.endpoint_url)
    assert httpx.put(direct, content=b"x", headers={"Content-Length": "1"}).status_code == 403


def test_open_store_builds_s3_from_settings(seaweed: SeaweedS3, tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        storage_url=f"s3://{CONTRACT_BUCKET}/from-settings/",
        s3_endpoint_url=seaweed.endpoint_url,
        s3_access_key_id=seaweed.access_key_id,
        s3_secret_access_key=SecretStr(seaweed.secret_access_key),
    )
    store = open_store(settings)
    assert isinstance(store, S3ObjectStore)
    assert (store.bucket, store.prefix, store.region) == (CONTRACT_BUCKET, "from-settings", "us-east-1")
    assert store.public_endpoint_url == seaweed.endpoint_url
    store.check()


def test_open_store_reads_s3_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCANLIFT_STORAGE_URL", "s3://scans/import")
    monkeypatch.setenv("SCANLIFT_S3_ENDPOINT_URL", "http://minio:9000")
    monkeypatch.setenv("SCANLIFT_S3_PUBLIC_ENDPOINT_URL", "https://scans.example.com/cloud")
    monkeypatch.setenv("SCANLIFT_S3_REGION", "eu-west-1")
    monkeypatch.setenv("SCANLIFT_S3_CREATE_BUCKET", "false")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    store = open_store(settings)
    assert isinstance(store, S3ObjectStore)
    assert (store.bucket, store.prefix, store.region, store.create_bucket) == ("scans", "import", "eu-west-1", False)
    assert store.endpoint_url == "http://minio:9000"
    assert store.public_endpoint_url == "https://scans.example.com/cloud"
    assert settings.s3_addressing_style == "path"


def test_the_api_hands_out_s3_urls_and_its_own_put_route_is_off(seaweed: SeaweedS3, runtime: Runtime) -> None:
    runtime.settings.storage_url = f"s3://{CONTRACT_BUCKET}/api-{uuid.uuid4().hex}"
    runtime.settings.s3_endpoint_url = seaweed.endpoint_url
    runtime.settings.s3_access_key_id = seaweed.access_key_id
    runtime.settings.s3_secret_access_key = SecretStr(seaweed.secret_access_key)
    assert isinstance(runtime.storage, S3ObjectStore)
    make_user(runtime, "s3@example.com")
    with TestClient(create_app(runtime.settings, runtime)) as api:
        headers = login(api, "s3@example.com")
        body = api.post("/api/v2/presigned-url", json={"name": "scan.nessus"}, headers=headers).json()
        assert body["url"].startswith(f"{seaweed.endpoint_url}/{CONTRACT_BUCKET}/")
        payload = b"<NessusClientData_v2/>"
        assert httpx.put(body["url"], content=payload, headers={"Content-Length": str(len(payload))}).is_success
        assert runtime.storage.stat(body["key"]).size == len(payload)
        local_route = f"/cloud/uploads/{body['key']}?X-Scanlift-Expires=1&X-Scanlift-Signature=x"
        assert api.put(local_route, content=b"x").status_code == 404
        assert api.get("/api/v2/health/ready").json()["checks"]["storage"] == "ok"


def test_the_local_store_keeps_its_own_put_route(api: TestClient, runtime: Runtime) -> None:
    store = runtime.storage
    assert isinstance(store, LocalObjectStore)
    key = new_key("scan.nessus")
    url = store.presign_put(key, expires_in=60)
    assert urlsplit(url).path.startswith("/cloud/uploads/")
    assert api.put(url, content=b"<x/>").status_code == 200
