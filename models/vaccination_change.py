"""Version history of vaccination records: who changed which field, when, from what to what."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow
from models.types import UTCDateTime


class ChangeAction(enum.StrEnum):
    CREATE = "create"  # 登録
    UPDATE = "update"  # 訂正


class VaccinationRecordChange(Base):
    """One row per registration, and one per field changed by a correction (訂正)."""

    __tablename__ = "vaccination_record_change"
    __table_args__ = (Index("ix_vaccination_record_change_record", "record_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("vaccination_record.id"))
    version: Mapped[int] = mapped_column(Integer)  # the record's version after the change
    action: Mapped[str] = mapped_column(String(10))
    field: Mapped[str | None] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(String(200))
    new_value: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(200))  # 訂正理由
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # NULL for file imports
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
