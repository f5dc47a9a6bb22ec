"""The Celery app that carries job ids from the API to workers.

The import_job row is the truth; a message is only a nudge. That is why a lost message (the
file-system transport deletes a message when it is fetched, so a killed worker loses it) is
acceptable: the sweeper re-sends it. ``acks_late`` and prefetch 1 keep a busy worker from hoarding messages.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from scanlift.config import Settings
from scanlift.jobs import transport
from scanlift.jobs.memory import recycle_kib

IMPORT_TASK = "scanlift.run_import"


def make_celery(settings: Settings) -> Celery:
    app = Celery("scanlift", set_as_current=False)
    app.conf.update(_celery_config(settings))
    return app


def _celery_config(settings: Settings) -> dict[str, Any]:
    config: dict[str, Any] = {
        "task_acks_late": True,
        "worker_prefetch_multiplier": 1,
        "task_ignore_result": True,
        "task_default_queue": settings.queue_name,
        "task_reject_on_worker_lost": False,  # the job lease, not the broker, decides redelivery
        "broker_connection_retry_on_startup": True,
        "broker_connection_timeout": 3,
        # Celery 6 will cancel running tasks when the broker connection drops; an import must
        # finish (or be re-delivered by its lease), never be cut off by a broker blip.
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        # RabbitMQ closes the channel of a delivery left unacknowledged for its consumer_timeout
        # (30 min by default), which an import can outlive. Celery treats a channel error as fatal
        # and stops the worker once its task ends; retried, the consumer reconnects instead, and
        # the claim drops the message that RabbitMQ re-queued (tests/e2e/test_long_imports.py).
        "broker_channel_error_retry": True,
        "worker_hijack_root_logger": False,
        "worker_send_task_events": False,
        "worker_max_memory_per_child": recycle_kib(settings.worker_recycle_mb),
        "task_serializer": "json",
        "accept_content": ["json"],
    }
    if settings.uses_embedded_broker:
        messages = settings.queue_dir / "messages"
        messages.mkdir(parents=True, exist_ok=True)
        config["broker_url"] = f"{transport.SCHEME}://"
        config["broker_transport_options"] = {
            "data_folder_in": str(messages),
            "data_folder_out": str(messages),
            "store_processed": False,
            # Otherwise kombu writes broadcast state to ./control in the working directory.
            "control_folder": str(settings.queue_dir / "control"),
            # The default 1 s poll with prefetch 1 runs about 2 jobs/s; 0.1 s keeps pickup fast.
            "polling_interval": settings.queue_poll_interval,
        }
    else:
        config["broker_url"] = settings.broker_url
        visibility = settings.broker_visibility_timeout_seconds
        config["broker_transport_options"] = {
            # Redis re-delivers an unacked message after this; imports can run for hours and
            # the job lease already handles dead workers, so keep it far above any import.
            "visibility_timeout": visibility,
            # kombu looks for expired messages every interval * throttle, 100 s by default; look
            # at least twice per timeout, so that the timeout means what it says (one cheap
            # ZRANGE on Redis every 10 s).
            "unacked_restore_interval": max(1, min(10, visibility // 2)),
            "unacked_restore_throttle": 1,
        }
    return config


class JobQueue:
    """Sends job ids to the import queue."""

    def __init__(self, app: Celery, queue: str) -> None:
        self._app = app
        self._queue = queue

    def enqueue(self, job_id: str) -> None:
        # The job id doubles as the task id, so Celery's own log lines name the job too.
        self._app.send_task(IMPORT_TASK, args=[job_id], queue=self._queue, task_id=job_id)

    def check(self) -> None:
        with self._app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=0)  # one attempt: readiness must not wait
