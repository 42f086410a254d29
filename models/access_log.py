"""The access log (アクセスログ) of personal data, kept seven years.

Each row records 処理日時, 職員, 部署, 端末, 処理事由, 宛名番号 and 処理内容, and
carries a SHA-256 over its own content and the previous row's hash, so that a
deleted or altered row breaks the chain where it happened.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow
from models.types import UTCDateTime


class AccessLog(Base):
    __tablename__ = "access_log"
    __table_args__ = (
        Index("ix_access_log_atena_at", "atena_no", "at"),
        Index("ix_access_log_staff_at", "staff_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)  # 処理日時
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # 職員
    staff_name: Mapped[str | None] = mapped_column(String(100))
    department: Mapped[str | None] = mapped_column(String(100))  # 部署 (as it was then)
    terminal: Mapped[str | None] = mapped_column(String(300))  # 端末: IP + user agent
    reason: Mapped[str | None] = mapped_column(String(200))  # 処理事由
    atena_no: Mapped[str | None] = mapped_column(String(15))  # 宛名番号
    action: Mapped[str] = mapped_column(String(30))  # 処理内容: view, search, update, print, export
    detail: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64), unique=True)
