"""Sending a job's id to the queue, and recording that it was sent: one path for the API and the sweeper.

The job's row is the truth; the message only wakes a worker. A send that fails is logged and
left for the sweeper, which sends every waiting job whose message is missing or old
(``jobs.sweeper``). Each successful send is counted, so the sweeper can space its re-sends.
"""

from __future__ import annotations

import logging

from sqlalchemy import update

from scanlift.db.clock import database_now
from scanlift.db.engine import Database
from scanlift.jobs.models import ImportJob
from scanlift.jobs.queue import JobQueue
from scanlift.transient import describe

log = logging.getLogger(__name__)


def dispatch(db: Database, queue: JobQueue, job_id: str) -> bool:
    """Send ``job_id`` and record the send; False, with a warning, when the broker refused it."""
    try:
        queue.enqueue(job_id)
    except Exception as exc:
        log.warning("could not send import %s to the queue (%s); the sweeper will send it later", job_id, describe(exc))
        return False
    with db.session() as session:
        session.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id)
            .values(enqueued_at=database_now(session), sends=ImportJob.sends + 1)
        )
    return True
