from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from scanlift.db.base import Base, utcnow


class UploadKey(Base):
    """An object key handed out by /api/v2/presigned-url: who asked for it, and until when."""

    __tablename__ = "upload_keys"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    #: When an import took the key; a key is imported once, and its object is then immutable.
    used_at: Mapped[datetime | None] = mapped_column(default=None)
