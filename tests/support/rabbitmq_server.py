"""A private RabbitMQ node with a short consumer timeout, for imports that outlive it.

RabbitMQ closes the channel of a delivery left unacknowledged for ``consumer_timeout`` (30 min by
default, checked once a minute). RabbitMQ 3.10 sets it only for a whole node, and the machine's
shared node (5672) must keep its own, so a test that needs it short gets its own node: its own
name, ports, data and configuration, from the same installation. As root, ``rabbitmq-server``
runs as the ``rabbitmq`` user, so the node's directory belongs to that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from kombu import Connection

from tests.support.server import die_with_parent, free_port

STARTUP_SECONDS = 90


def _config(consumer_timeout_ms: int, port: int) -> str:
    # The channel tick is when the timeout is checked: every second instead of every minute.
    return (
        "[{rabbit, ["
        f'{{tcp_listeners, [{{"127.0.0.1", {port}}}]}}, '
        f"{{consumer_timeout, {consumer_timeout_ms}}}, "
        "{channel_tick_interval, 1000}, "
        "{loopback_users, []}"
        "]}].\n"
    )


@contextmanager
def running_rabbitmq(*, consumer_timeout_ms: int) -> Iterator[str]:
    """The AMQP URL of a private node, up and empty; the node and its data go afterwards."""
    server = shutil.which("rabbitmq-server") or "/usr/sbin/rabbitmq-server"
    if not Path(server).exists():
        raise RuntimeError("rabbitmq-server was not found (scripts/ensure-services.sh installs it)")
    home = Path(tempfile.mkdtemp(prefix="scanlift-rabbitmq-"))
    port, dist_port = free_port(), free_port()
    node = f"scanlift-test-{uuid.uuid4().hex[:8]}@localhost"
    (home / "advanced.config").write_text(_config(consumer_timeout_ms, port))
    (home / "enabled_plugins").write_text("[].\n")  # no management listener to collide with
    if os.geteuid() == 0:
        user = pwd.getpwnam("rabbitmq")
        for path in (home, *home.iterdir()):
            os.chown(path, user.pw_uid, user.pw_gid)
    env = {
        **os.environ,
        "RABBITMQ_NODENAME": node,
        "RABBITMQ_NODE_PORT": str(port),
        "RABBITMQ_DIST_PORT": str(dist_port),
        "RABBITMQ_MNESIA_BASE": str(home / "mnesia"),
        "RABBITMQ_LOG_BASE": str(home / "log"),
        "RABBITMQ_ADVANCED_CONFIG_FILE": str(home / "advanced.config"),
        "RABBITMQ_CONFIG_FILE": str(home / "none.conf"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(home / "enabled_plugins"),
    }
    log = home / "node.out"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [server], env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=die_with_parent,
        )  # fmt: skip
    url = f"amqp://guest:guest@127.0.0.1:{port}//"
    try:
        _wait_until_up(url, process, log)
        yield url
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        _kill_node(node)
        shutil.rmtree(home, ignore_errors=True)


def _kill_node(node: str) -> None:
    """Every process of the node, wherever it went: run as root, rabbitmq-server switches to its
    own user with ``su``, which starts a new session, so the node escapes ``killpg``."""
    marker = f"RABBITMQ_NODENAME={node}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker in environ.split(b"\0"):
            with suppress(ProcessLookupError):
                os.kill(int(entry.name), signal.SIGKILL)


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the private RabbitMQ node did not start:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with Connection(url, connect_timeout=1) as connection:
                connection.ensure_connection(max_retries=1)
                return
        except Exception:
            time.sleep(0.5)
    raise RuntimeError(f"the private RabbitMQ node was not up after {STARTUP_SECONDS} s")
