"""Imports every model so that Base.metadata is complete (Alembic and tests use it)."""

from scanlift.auth.models import LoginFailure, MfaChallenge, RevokedToken, Tenant, User
from scanlift.clients.models import Client, ClientAsset, ClientAssetPort, ClientUser, Report
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
    "ClientUser",
    "Evidence",
    "Finding",
    "ImportJob",
    "LoginFailure",
    "MfaChallenge",
    "Report",
    "RevokedToken",
    "Tenant",
    "UploadKey",
    "User",
]
