from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scanlift.db.base import Base, Timestamps, utcnow


class Client(Base, Timestamps):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    poc: Mapped[str] = mapped_column(String(500), default="")
    poc_email: Mapped[str] = mapped_column(String(320), default="")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    custom_field: Mapped[list[Any]] = mapped_column(default=list)


class ClientUser(Base):
    """A grant: a user who is not an administrator sees a client only with one of these."""

    __tablename__ = "client_users"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Report(Base, Timestamps):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(40), default="Draft")
    start_date: Mapped[str | None] = mapped_column(String(40), default=None)
    end_date: Mapped[str | None] = mapped_column(String(40), default=None)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    custom_field: Mapped[list[Any]] = mapped_column(default=list)
    include_evidence: Mapped[bool] = mapped_column(default=False)


class ClientAsset(Base, Timestamps):
    """A client's asset; PlexTrac allows one asset per name per client."""

    __tablename__ = "client_assets"
    __table_args__ = (UniqueConstraint("client_id", "asset"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    asset: Mapped[str] = mapped_column(String(1000))
    type: Mapped[str] = mapped_column(String(40), default="General")
    description: Mapped[str] = mapped_column(Text, default="")
    known_ips: Mapped[list[Any]] = mapped_column(default=list)
    hostname: Mapped[str] = mapped_column(String(500), default="")
    host_fqdn: Mapped[str] = mapped_column(String(500), default="")
    netbios_name: Mapped[str] = mapped_column(String(200), default="")
    mac_address: Mapped[str] = mapped_column(String(500), default="")
    operating_system: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[Any]] = mapped_column(default=list)


class ClientAssetPort(Base):
    __tablename__ = "client_asset_ports"

    asset_id: Mapped[str] = mapped_column(ForeignKey("client_assets.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[str] = mapped_column(String(10), primary_key=True)
    protocol: Mapped[str] = mapped_column(String(20), primary_key=True)
    service: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[str] = mapped_column(String(500), default="")
