"""Attempts on the public claimant status page, for rate limiting across web processes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import UTCDateTime


class StatusAttempt(Base):
    __tablename__ = "status_attempt"
    __table_args__ = (
        Index("ix_status_attempt_ip_at", "ip", "at"),
        Index("ix_status_attempt_receipt_at", "receipt_no", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ip: Mapped[str] = mapped_column(String(45))
    receipt_no: Mapped[str] = mapped_column(String(30))  # as typed (normalised), may name no case
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
