"""Documents of a relief claim: the checklist (書類確認), correction requests (補正依頼)
and scanned attachments (添付書類) stored under the instance folder."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow
from models.types import UTCDateTime


class ReliefDocument(Base):
    """One line of the checklist generated from the benefits claimed (domain §2.3)."""

    __tablename__ = "relief_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("relief_claim.id"), index=True)
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(100))
    original_required: Mapped[bool] = mapped_column(Boolean, default=False)  # 原本が必要
    received_on: Mapped[date | None] = mapped_column(Date)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class ReliefCorrection(Base):
    """補正依頼: what was missing, when it was asked for and by when."""

    __tablename__ = "relief_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("relief_claim.id"), index=True)
    requested_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    missing: Mapped[list] = mapped_column(JSON)  # document names
    reminder_count: Mapped[int] = mapped_column(Integer, default=0)
    answered_on: Mapped[date | None] = mapped_column(Date)


class ReliefAttachment(Base):
    """A scanned document; the file lives outside the web root, named by its id."""

    __tablename__ = "relief_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("relief_claim.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(30))  # document code, or "committee"
    filename: Mapped[str] = mapped_column(String(200))  # as uploaded, for display only
    media_type: Mapped[str] = mapped_column(String(40))  # detected from the content
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
