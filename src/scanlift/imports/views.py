"""The importJob object and the my-imports row, exactly as PlexTrac's deprecation page shows them."""

from __future__ import annotations

from scanlift.imports.schemas import ImportJobObject, MyImportsRow
from scanlift.jobs.models import ImportJob, JobStatus
from scanlift.views import iso_z, same_named

# The importJob fields sent as the job row stores them; the others are converted in job_object.
_JOB_AS_STORED = (
    "id",
    "user_id",
    "user_email",
    "tenant_id",
    "client_id",
    "report_id",
    "source",
    "file_location",
    "original_filename",
    "file_type",
    "parser_actions_enabled",
    "processed_findings",
    "processed_assets",
    "processed_finding_assets",
    "processed_evidence",
    "asset_tags",
    "finding_tags",
    "error_status",
    "progress",
    "attempts",
)


def job_object(job: ImportJob) -> ImportJobObject:
    return ImportJobObject(
        **same_named(job, *_JOB_AS_STORED),
        # PlexTrac sends the byte counts as strings (they are bigints in its database).
        file_size=str(job.file_size),
        processed_bytes=str(job.processed_bytes),
        created_at=iso_z(job.created_at),
        last_updated_at=iso_z(job.last_updated_at),
        failure_notified_at=iso_z(job.failure_notified_at),
        status=JobStatus(job.status),
    )


def my_imports_row(job: ImportJob, *, report_name: str, client_name: str) -> MyImportsRow:
    return MyImportsRow(
        key=job.id,
        name=job.original_filename,
        reportName=report_name,
        clientName=client_name,
        fileSize=str(job.file_size),
        status=JobStatus(job.status),
        progress=job.progress,
        errorStatus=job.error_status,
        source=job.source,
    )
