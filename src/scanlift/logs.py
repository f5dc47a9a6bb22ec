"""Logging: JSON lines (or plain text), with the import job's id on every line a worker writes."""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

_job_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("scanlift_job_id", default=None)


@contextlib.contextmanager
def job_context(job_id: str) -> Iterator[None]:
    """Every log line written inside names this job."""
    token = _job_id.set(job_id)
    try:
        yield
    finally:
        _job_id.reset(token)


def _job_id_of(record: logging.LogRecord) -> str | None:
    job_id = _job_id.get()
    if job_id is None and record.name.startswith("celery") and isinstance(record.args, dict):
        # Celery's own task lines carry the task id, and scanlift sends each job as its task id.
        candidate = record.args.get("id")
        job_id = str(candidate) if candidate else None
    return job_id


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        job_id = _job_id_of(record)
        if job_id:
            entry["job_id"] = job_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        job_id = _job_id_of(record)
        return f"{line} [job {job_id}]" if job_id else line


class _HarmlessAckFailure(logging.Filter):
    """Celery logs a failed acknowledgement as CRITICAL. In scanlift it never loses or repeats
    work: the broker delivers the message again and the job's claim drops the copy. It happens
    after RabbitMQ's consumer_timeout closed the channel of a long import, so it says so."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.WARNING and str(record.msg).startswith("Couldn't ack"):
            record.msg = (
                f"{record.getMessage()}; the broker delivers the message again and the claim drops it "
                "(expected after RabbitMQ's consumer_timeout closed the channel of a long import)"
            )
            record.args = None
            record.exc_info, record.exc_text = None, None  # the reason is in the message
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def configure(log_format: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "botocore", "urllib3", "kombu.connection"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("celery.worker.request").addFilter(_HarmlessAckFailure())
