"""保存期間を過ぎた接種記録の削除申請 (retention purge requests): one row per request.

The request runs as the `retention_purge` process: a staff member asks to delete the
records the retention report lists as of a date, with a reason; a supervisor (another
person) approves or rejects; an approved request is purged once. The row keeps the exact
set asked for (record id → version), so the purge deletes nothing else.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.case import Case
from models.staff import Staff
from models.types import UTCDateTime


class PurgeStatus(enum.StrEnum):
    REQUESTED = "requested"  # 承認待ち
    APPROVED = "approved"  # 承認済み（削除可）
    REJECTED = "rejected"  # 却下
    PURGED = "purged"  # 削除済み

    @property
    def label(self) -> str:
        return {"requested": "承認待ち", "approved": "承認済み（未削除）", "rejected": "却下",
                "purged": "削除済み"}[self.value]


class RetentionPurgeRequest(Base):
    __tablename__ = "retention_purge_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"), unique=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    as_of: Mapped[date] = mapped_column(Date)  # 基準日 of the report
    years: Mapped[int] = mapped_column(Integer)  # 保存年数
    reason: Mapped[str] = mapped_column(String(200))  # 処理事由
    # {"record id": version} of the records listed when the request was made.
    records: Mapped[dict] = mapped_column(JSON)
    record_count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default=PurgeStatus.REQUESTED, index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_comment: Mapped[str | None] = mapped_column(String(200))
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purged_count: Mapped[int | None] = mapped_column(Integer)
    # Record ids left alone at the purge because they changed or disappeared since the request.
    skipped: Mapped[list | None] = mapped_column(JSON)

    case: Mapped[Case | None] = relationship()
    requester: Mapped[Staff] = relationship(foreign_keys=[requester_id])
    decided_by: Mapped[Staff | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def status_label(self) -> str:
        return PurgeStatus(self.status).label
