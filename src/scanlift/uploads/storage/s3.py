"""S3 object storage (AWS, MinIO, SeaweedFS, ...): clients upload straight to the store with a SigV4 URL.

Two endpoints may be configured. The API and the workers talk to the *internal* endpoint
(``http://minio:9000``); presigned URLs are signed for the *public* endpoint, the one that
clients reach. A public endpoint with a path (``https://scans.example.com/cloud``) is meant for a
reverse proxy that strips that path and forwards the request with its ``Host`` header unchanged:
the signature covers the public host and the path that S3 sees (``/<bucket>/<key>``), so the
path prefix is added to the URL after signing.
"""

from __future__ import annotations

import contextlib
import io
import threading
from typing import TYPE_CHECKING, BinaryIO, Literal, NoReturn, cast
from urllib.parse import urlsplit, urlunsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from scanlift.errors import PayloadTooLarge
from scanlift.uploads.keys import is_valid_key
from scanlift.uploads.storage.base import ObjectChanged, ObjectInfo

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer
    from botocore.response import StreamingBody
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_s3.literals import BucketLocationConstraintType
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

MiB = 1024 * 1024
#: S3 allows at most 10,000 parts of at least 5 MiB (except the last).
_MIN_PART_SIZE = 8 * MiB
_MAX_PARTS = 10_000
_READ_BUFFER = 1 * MiB
_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
_NO_BUCKET_CODES = frozenset({"404", "NoSuchBucket", "NotFound"})
_CHANGED_CODES = frozenset({"412", "PreconditionFailed"})
_DENIED_CODES = frozenset({"403", "AccessDenied", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch"})

AddressingStyle = Literal["path", "virtual", "auto"]


class S3ObjectStore:
    def __init__(
        self,
        *,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        public_endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        create_bucket: bool = True,
        addressing_style: AddressingStyle = "path",
        connect_timeout: float = 3.0,
        read_timeout: float = 30.0,
        max_attempts: int = 3,
    ) -> None:
        if not bucket:
            raise ValueError("the S3 storage URL needs a bucket: s3://bucket/prefix")
        if (access_key_id is None) != (secret_access_key is None):
            raise ValueError("set both SCANLIFT_S3_ACCESS_KEY_ID and SCANLIFT_S3_SECRET_ACCESS_KEY, or neither")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url.rstrip("/") if endpoint_url else None
        self.public_endpoint_url = (public_endpoint_url or "").rstrip("/") or self.endpoint_url
        self.region = region
        self.create_bucket = create_bucket
        self._bucket_ready = False
        self._bucket_lock = threading.Lock()

        def make_client(endpoint: str | None, *, connect: float, read: float, attempts: int) -> S3Client:
            config = Config(
                region_name=region,
                signature_version="s3v4",
                s3={"addressing_style": addressing_style},
                connect_timeout=connect,
                read_timeout=read,
                retries={"mode": "standard", "total_max_attempts": attempts},
                # S3-compatible stores differ in their support for the newer default checksums
                # (and aws-chunked bodies); send and verify them only where S3 requires it.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            )
            return boto3.client(
                "s3",
                endpoint_url=endpoint,
                aws_access_key_id=access_key_id,
                aws_secret_access_key=secret_access_key,
                config=config,
            )

        self._client = make_client(self.endpoint_url, connect=connect_timeout, read=read_timeout, attempts=max_attempts)
        # Readiness probes must answer quickly, so the bucket probe neither waits long nor retries.
        self._probe = make_client(self.endpoint_url, connect=min(connect_timeout, 2.0), read=5.0, attempts=1)
        self._public_path = ""
        self._signer = self._client
        if self.public_endpoint_url and self.public_endpoint_url != self.endpoint_url:
            public = urlsplit(self.public_endpoint_url)
            self._public_path = public.path.rstrip("/")
            origin = urlunsplit((public.scheme, public.netloc, "", "", ""))
            self._signer = make_client(origin, connect=connect_timeout, read=read_timeout, attempts=max_attempts)

    @property
    def describe_endpoint(self) -> str:
        return self.endpoint_url or f"AWS S3 ({self.region})"

    def object_key(self, key: str) -> str:
        if not is_valid_key(key):
            raise FileNotFoundError(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    # -- the ObjectStore protocol ------------------------------------------------------------------

    def presign_put(self, key: str, *, expires_in: int) -> str:
        name = self.object_key(key)
        self._ensure_bucket()
        url = self._signer.generate_presigned_url(
            "put_object",
            Params={"Bucket": self.bucket, "Key": name},
            ExpiresIn=expires_in,
            HttpMethod="PUT",
        )
        if not self._public_path:
            return url
        parts = urlsplit(url)
        return urlunsplit(parts._replace(path=self._public_path + parts.path))

    def put(self, key: str, stream: BinaryIO, *, max_bytes: int) -> ObjectInfo:
        """Copy ``stream`` in parts of a few MiB: one PUT for small objects, else a multipart upload.

        At most one part is held in memory; an upload that goes over ``max_bytes`` is aborted.
        """
        name = self.object_key(key)
        self._ensure_bucket()
        part_size = max(_MIN_PART_SIZE, -(-max_bytes // _MAX_PARTS))
        part = _read_part(stream, part_size, max_bytes, 0)
        if len(part) < part_size:
            response = self._client.put_object(Bucket=self.bucket, Key=name, Body=_body(part))
            return ObjectInfo(size=len(part), etag=response["ETag"].strip('"'))
        upload_id = self._client.create_multipart_upload(Bucket=self.bucket, Key=name)["UploadId"]
        try:
            parts: list[CompletedPartTypeDef] = []
            size = 0
            while part:
                size += len(part)
                number = len(parts) + 1
                answer = self._client.upload_part(
                    Bucket=self.bucket, Key=name, UploadId=upload_id, PartNumber=number, Body=_body(part)
                )
                parts.append({"PartNumber": number, "ETag": answer["ETag"]})
                del part  # release the part before reading the next one
                part = _read_part(stream, part_size, max_bytes, size)
            done = self._client.complete_multipart_upload(
                Bucket=self.bucket, Key=name, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            # The original error is the one to report; a failed abort leaves parts for a lifecycle rule.
            with contextlib.suppress(Exception):
                self._client.abort_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload_id)
            raise
        return ObjectInfo(size=size, etag=str(done.get("ETag", "")).strip('"'))

    def stat(self, key: str) -> ObjectInfo:
        name = self.object_key(key)
        self._ensure_bucket()
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            _raise_missing(exc, key)
        return ObjectInfo(size=int(head["ContentLength"]), etag=str(head.get("ETag", "")).strip('"'))

    def open(self, key: str, *, etag: str | None = None) -> BinaryIO:
        name = self.object_key(key)
        self._ensure_bucket()
        # A presigned PUT cannot be revoked: If-Match makes S3 refuse to serve a replaced object.
        try:
            if etag:
                body = self._client.get_object(Bucket=self.bucket, Key=name, IfMatch=f'"{etag}"')["Body"]
            else:
                body = self._client.get_object(Bucket=self.bucket, Key=name)["Body"]
        except ClientError as exc:
            if _code(exc) in _CHANGED_CODES:
                raise ObjectChanged(key) from None
            _raise_missing(exc, key)
        return io.BufferedReader(_BodyReader(body), buffer_size=_READ_BUFFER)

    def delete(self, key: str) -> None:
        try:
            name = self.object_key(key)
        except FileNotFoundError:
            return
        try:
            self._client.delete_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if _code(exc) not in _MISSING_CODES | _NO_BUCKET_CODES:
                raise

    def check(self) -> None:
        """A HEAD on the bucket (creating it when allowed); raises with a readable reason otherwise."""
        self._probe_bucket(self._probe)
        self._bucket_ready = True

    # -- the bucket --------------------------------------------------------------------------------

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        with self._bucket_lock:
            if not self._bucket_ready:
                self._probe_bucket(self._client)
                self._bucket_ready = True

    def _probe_bucket(self, client: S3Client) -> None:
        try:
            client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            code = _code(exc)
            if code in _DENIED_CODES:
                raise RuntimeError(
                    f"access to S3 bucket {self.bucket!r} at {self.describe_endpoint} was refused ({code}); "
                    "check SCANLIFT_S3_ACCESS_KEY_ID and SCANLIFT_S3_SECRET_ACCESS_KEY"
                ) from None
            if code not in _NO_BUCKET_CODES:
                raise
        if not self.create_bucket:
            raise RuntimeError(
                f"S3 bucket {self.bucket!r} does not exist at {self.describe_endpoint}; "
                "create it or set SCANLIFT_S3_CREATE_BUCKET=true"
            )
        try:
            if self.region == "us-east-1":
                client.create_bucket(Bucket=self.bucket)
            else:
                client.create_bucket(
                    Bucket=self.bucket,
                    CreateBucketConfiguration={"LocationConstraint": cast("BucketLocationConstraintType", self.region)},
                )
        except ClientError as exc:
            if _code(exc) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                raise RuntimeError(
                    f"could not create S3 bucket {self.bucket!r} at {self.describe_endpoint}: {exc}"
                ) from None


class _BodyReader(io.RawIOBase):
    """botocore's streaming body as a raw stream, so that ``io.BufferedReader`` can wrap it."""

    def __init__(self, body: StreamingBody) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self._body.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


def _read_part(stream: BinaryIO, size: int, max_bytes: int, already: int) -> bytearray:
    """Up to ``size`` bytes (fewer only at the end of the stream), refusing data beyond ``max_bytes``."""
    part = bytearray(size)
    filled = 0
    with memoryview(part) as view:
        while filled < size:
            piece = stream.read(min(size - filled, _READ_BUFFER))
            if not piece:
                break
            if already + filled + len(piece) > max_bytes:
                raise PayloadTooLarge(f"the upload exceeds the {max_bytes}-byte limit")
            view[filled : filled + len(piece)] = piece
            filled += len(piece)
    del part[filled:]
    return part


def _body(part: bytearray) -> bytes:
    # botocore sends a bytearray as it is; converting it to bytes would copy the whole part.
    return cast(bytes, part)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _raise_missing(exc: ClientError, key: str) -> NoReturn:
    if _code(exc) in _MISSING_CODES:
        raise FileNotFoundError(key) from None
    raise exc
