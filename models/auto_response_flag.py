"""自動応答不可フラグ (auto-response-block flag) of a resident, and its history.

One row per resident holds the flag as it stands; every request, confirmation,
transmission, reminder and removal is appended to `auto_response_flag_event`.
While `blocking` is true, no query about the person is answered automatically:
it becomes true when a second person confirms a setting (before the 中間サーバ
acknowledges it) and false only once a confirmed removal is acknowledged.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.staff import Staff
from models.types import UTCDateTime


class ReasonCategory(enum.StrEnum):
    """理由区分, after the 支援措置 categories (住民基本台帳事務における支援措置)."""

    DV = "dv"
    STALKER = "stalker"
    CHILD_ABUSE = "child_abuse"
    OTHER = "other"

    @property
    def label(self) -> str:
        return REASON_LABELS[self]


REASON_LABELS = {
    ReasonCategory.DV: "DV（配偶者等からの暴力）",
    ReasonCategory.STALKER: "ストーカー行為等",
    ReasonCategory.CHILD_ABUSE: "児童虐待等",
    ReasonCategory.OTHER: "その他（これらに準ずる場合）",
}


class FlagEventAction(enum.StrEnum):
    REQUEST_SET = "request_set"  # 設定の依頼
    REQUEST_REMOVE = "request_remove"  # 解除の依頼
    REQUEST_EXTEND = "request_extend"  # 延長の依頼
    CONFIRMED = "confirmed"  # 二人目による確認
    REJECTED = "rejected"  # 確認で差戻し・不承認
    ACKNOWLEDGED = "acknowledged"  # 中間サーバの受領確認
    REFUSED = "refused"  # 中間サーバが受け付けず
    EXTENDED = "extended"  # 延長の記録
    REMINDER = "reminder"  # 期限前の確認依頼
    ENDED = "ended"  # 別の案件で解除済みのため確認不要

    @property
    def label(self) -> str:
        return EVENT_LABELS[self]


EVENT_LABELS = {
    FlagEventAction.REQUEST_SET: "設定の依頼",
    FlagEventAction.REQUEST_REMOVE: "解除の依頼",
    FlagEventAction.REQUEST_EXTEND: "延長の依頼",
    FlagEventAction.CONFIRMED: "内容の確認（二人目）",
    FlagEventAction.REJECTED: "確認で不承認",
    FlagEventAction.ACKNOWLEDGED: "中間サーバの受領確認",
    FlagEventAction.REFUSED: "中間サーバが受け付けず",
    FlagEventAction.EXTENDED: "有効期限の延長",
    FlagEventAction.REMINDER: "期限前の確認依頼",
    FlagEventAction.ENDED: "解除済みのため確認終了",
}


class AutoResponseFlag(Base):
    __tablename__ = "auto_response_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), unique=True)
    blocking: Mapped[bool] = mapped_column(Boolean, default=False)
    # As the 中間サーバ last acknowledged it: "set", "removed" or None (never sent).
    server_state: Mapped[str | None] = mapped_column(String(10))
    ack_id: Mapped[str | None] = mapped_column(String(40))
    reason_category: Mapped[str | None] = mapped_column(String(20))
    support_reference: Mapped[str | None] = mapped_column(String(60))  # 支援措置の決定番号等
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)  # 支援措置の終了日
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"))  # the case keeping it
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AutoResponseFlagEvent(Base):
    """Append-only history of one resident's flag."""

    __tablename__ = "auto_response_flag_event"
    __table_args__ = (Index("ix_auto_response_flag_event_resident_at", "resident_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"))
    action: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # None: the system
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason_category: Mapped[str | None] = mapped_column(String(20))
    support_reference: Mapped[str | None] = mapped_column(String(60))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[Staff | None] = relationship()

    @property
    def action_label(self) -> str:
        return FlagEventAction(self.action).label
