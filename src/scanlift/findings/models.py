from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scanlift.db.base import Base, Timestamps, utcnow


class Finding(Base, Timestamps):
    """A report finding. ``flaw_id`` is unique per report: the tool's id or the title hash."""

    __tablename__ = "findings"
    __table_args__ = (UniqueConstraint("report_id", "flaw_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    flaw_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="Open")
    visibility: Mapped[str] = mapped_column(String(20), default="draft")
    source: Mapped[str] = mapped_column(String(40), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    recommendations: Mapped[str] = mapped_column(Text, default="")
    references: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    #: {"CVE": [...], "CWE": [...]} in PlexTrac's shape.
    common_identifiers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: {"CVSS3": {"overall": "9.8", "vector": "..."}, ...}
    risk_score: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: PlexTrac custom fields: {key: {"label": ..., "value": ...}}.
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)


class AffectedAsset(Base):
    """A client asset as affected by one finding (PlexTrac's ``affected_assets[assetId]``)."""

    __tablename__ = "affected_assets"
    __table_args__ = (UniqueConstraint("finding_id", "asset_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Not indexed on its own: the unique (finding_id, asset_id) index serves lookups by finding.
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"))
    asset_id: Mapped[str] = mapped_column(ForeignKey("client_assets.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="Open")
    location_url: Mapped[str] = mapped_column(Text, default="")
    vulnerable_parameters: Mapped[list[Any]] = mapped_column(default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AffectedAssetPort(Base):
    __tablename__ = "affected_asset_ports"

    affected_asset_id: Mapped[int] = mapped_column(
        ForeignKey("affected_assets.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[str] = mapped_column(String(10), primary_key=True)
    protocol: Mapped[str] = mapped_column(String(20), primary_key=True)
    service: Mapped[str] = mapped_column(String(200), default="")


class Evidence(Base):
    """Scanner output attached to an affected asset; deduplicated by content hash."""

    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("affected_asset_id", "content_hash"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: Not indexed on its own: the unique (affected_asset_id, content_hash) index serves it.
    affected_asset_id: Mapped[int] = mapped_column(ForeignKey("affected_assets.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(String(64))
    caption: Mapped[str] = mapped_column(Text, default="")
    code: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
