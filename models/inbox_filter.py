"""Saved inbox filters (受信トレイの検索条件): kept per person, optionally shared with a department."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.staff import Department, Staff
from models.types import UTCDateTime


class InboxFilter(Base):
    __tablename__ = "inbox_filter"
    __table_args__ = (UniqueConstraint("owner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    # Set when shared: everyone in this department (部署) sees and may apply the filter.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    view: Mapped[str] = mapped_column(String(10))  # mine, group or done
    criteria: Mapped[dict] = mapped_column(JSON)  # the inbox's query arguments
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped[Staff] = relationship()
    department: Mapped[Department | None] = relationship()
