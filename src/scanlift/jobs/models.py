from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from scanlift.db.base import Base, utcnow


class JobStatus(enum.StrEnum):
    """PlexTrac's status strings."""

    IN_QUEUE = "IN QUEUE"
    PROCESSING = "PROCESSING"
    COMPLETE = "IMPORT COMPLETE"
    ERROR = "ERROR"


FINISHED = (JobStatus.COMPLETE, JobStatus.ERROR)


class JobKind(enum.StrEnum):
    #: Findings and assets into a report (preuploaded-import).
    FINDINGS = "findings"
    #: Client assets only (assets/import).
    ASSETS = "assets"


class ImportJob(Base):
    """The source of truth for one import; the queue only carries its id."""

    __tablename__ = "import_jobs"
    __table_args__ = (
        Index("ix_import_jobs_user_created", "user_id", "created_at"),
        Index("ix_import_jobs_status_lease", "status", "lease_expires_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    user_email: Mapped[str] = mapped_column(String(320))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    #: None for an asset-only import (PlexTrac's /assets/import/{source}).
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20), default=JobKind.FINDINGS)
    source: Mapped[str] = mapped_column(String(40))
    file_location: Mapped[str] = mapped_column(String(400))
    original_filename: Mapped[str] = mapped_column(String(300))
    file_type: Mapped[str] = mapped_column(String(100))
    file_size: Mapped[int] = mapped_column(BigInteger)
    #: The object's ETag when the import was queued: the worker reads only those bytes (None for
    #: jobs queued before migration 0007).
    file_etag: Mapped[str | None] = mapped_column(String(200), default=None)
    parser_actions_enabled: Mapped[bool] = mapped_column(default=False)
    processed_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    progress: Mapped[int] = mapped_column(default=0)
    processed_findings: Mapped[int] = mapped_column(default=0)
    processed_assets: Mapped[int] = mapped_column(default=0)
    processed_finding_assets: Mapped[int] = mapped_column(default=0)
    processed_evidence: Mapped[int] = mapped_column(default=0)
    asset_tags: Mapped[list[Any]] = mapped_column(default=list)
    finding_tags: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    failure_notified_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.IN_QUEUE)
    error_status: Mapped[str | None] = mapped_column(Text, default=None)
    #: Delivery bookkeeping: how often a worker claimed the job, who holds it, and until when.
    attempts: Mapped[int] = mapped_column(default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    enqueued_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Messages sent for the job since it last entered the queue (``jobs.sweeper``).
    sends: Mapped[int] = mapped_column(default=0, server_default="0")
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
