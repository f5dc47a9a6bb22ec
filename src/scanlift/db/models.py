"""Imports every model so that Base.metadata is complete (Alembic and tests use it)."""

from scanlift.auth.models import LoginFailure, Tenant, User
from scanlift.clients.models import Client, ClientAsset, ClientAssetPort, Report
from scanlift.db.base import Base
from scanlift.findings.models import AffectedAsset, AffectedAssetPort, Evidence, Finding
from scanlift.jobs.models import ImportJob
from scanlift.uploads.models import UploadKey

__all__ = [
    "AffectedAsset",
    "AffectedAssetPort",
    "Base",
    "Client",
    "ClientAsset",
    "ClientAssetPort",
    "Evidence",
    "Finding",
    "ImportJob",
    "LoginFailure",
    "Report",
    "Tenant",
    "UploadKey",
    "User",
]
