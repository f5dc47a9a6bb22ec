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


def configure(log_format: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "botocore", "urllib3", "kombu.connection"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
