"""The importJob object and the my-imports row, exactly as PlexTrac's deprecation page shows them."""

from __future__ import annotations

from scanlift.imports.schemas import ImportJobObject, MyImportsRow
from scanlift.jobs.models import ImportJob, JobStatus
from scanlift.views import iso_z


def job_object(job: ImportJob) -> ImportJobObject:
    return ImportJobObject(
        id=job.id,
        user_id=job.user_id,
        user_email=job.user_email,
        tenant_id=job.tenant_id,
        client_id=job.client_id,
        report_id=job.report_id,
        source=job.source,
        file_location=job.file_location,
        original_filename=job.original_filename,
        file_type=job.file_type,
        # PlexTrac sends the byte counts as strings (they are bigints in its database).
        file_size=str(job.file_size),
        parser_actions_enabled=job.parser_actions_enabled,
        processed_bytes=str(job.processed_bytes),
        processed_findings=job.processed_findings,
        processed_assets=job.processed_assets,
        processed_finding_assets=job.processed_finding_assets,
        processed_evidence=job.processed_evidence,
        asset_tags=job.asset_tags,
        finding_tags=job.finding_tags,
        created_at=iso_z(job.created_at),
        last_updated_at=iso_z(job.last_updated_at),
        failure_notified_at=iso_z(job.failure_notified_at),
        status=JobStatus(job.status),
        error_status=job.error_status,
        progress=job.progress,
        attempts=job.attempts,
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
