"""情報照会 from other municipalities about our (former) residents, as delivered to us."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import UTCDateTime


class IncomingQueryStatus(enum.StrEnum):
    RECEIVED = "received"  # 受信
    MANUAL_PENDING = "manual_pending"  # 手動応答待ち (notice sent)
    ANSWERED = "answered"  # 提供済み (in full or in part)
    WITHHELD = "withheld"  # 提供しない

    @property
    def label(self) -> str:
        return {
            "received": "受信",
            "manual_pending": "手動応答待ち",
            "answered": "提供済み",
            "withheld": "提供しない",
        }[self.value]


class IncomingQuery(Base):
    __tablename__ = "incoming_query"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    query_ref: Mapped[str] = mapped_column(String(40), unique=True)  # 中間サーバ's number
    requester_code: Mapped[str] = mapped_column(String(6))  # 情報照会者
    jimu_code: Mapped[str] = mapped_column(String(3))
    data_item: Mapped[str] = mapped_column(String(40))
    subject_token: Mapped[str] = mapped_column(String(64), index=True)
    # As the 中間サーバ reported it; Sesshu's own flag record is checked as well.
    auto_response_blocked: Mapped[bool] = mapped_column(Boolean)
    body_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default=IncomingQueryStatus.RECEIVED)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
