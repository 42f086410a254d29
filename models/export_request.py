"""Approved exports of personal data (外部媒体への書き出し): one row per request.

The request runs as the `data_export` process: a staff member asks with a reason, a
supervisor (another person) approves, and the requester downloads the encrypted file
once within 24 hours. The row keeps what was asked and where the request stands; the
encrypted file lives here only between its preparation and its single download.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.case import Case
from models.staff import Staff
from models.types import UTCDateTime


class ExportKind(enum.StrEnum):
    """What may be exported: a bounded set, each with its own criteria."""

    VACCINATIONS_BY_PERIOD = "vaccinations_by_period"  # 接種日の期間で接種記録
    PEOPLE = "people"  # 宛名番号で指定した住民とその接種記録
    ACCESS_LOG = "access_log"  # 一人分のアクセスログ（本人開示請求など）

    @property
    def label(self) -> str:
        return EXPORT_KIND_LABELS[self]


EXPORT_KIND_LABELS: dict[ExportKind, str] = {
    ExportKind.VACCINATIONS_BY_PERIOD: "接種記録（接種日の期間を指定）",
    ExportKind.PEOPLE: "住民と接種記録（宛名番号を指定）",
    ExportKind.ACCESS_LOG: "アクセスログ（一人分・期間を指定）",
}


class ExportStatus(enum.StrEnum):
    REQUESTED = "requested"  # 承認待ち
    APPROVED = "approved"  # 承認済み（ダウンロード可）
    REJECTED = "rejected"  # 却下
    DOWNLOADED = "downloaded"  # ダウンロード済み
    EXPIRED = "expired"  # 期限切れ

    @property
    def label(self) -> str:
        return {
            "requested": "承認待ち", "approved": "承認済み", "rejected": "却下",
            "downloaded": "ダウンロード済み", "expired": "期限切れ",
        }[self.value]


class ExportRequest(Base):
    __tablename__ = "export_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"), unique=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    criteria: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(200))  # 処理事由
    row_count: Mapped[int] = mapped_column(Integer)  # rows matching when requested
    status: Mapped[str] = mapped_column(String(12), default=ExportStatus.REQUESTED, index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_comment: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    prepared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The AES-256 zip between preparation and download; emptied by the download or expiry.
    file_name: Mapped[str | None] = mapped_column(String(100))
    file_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    file_sha256: Mapped[str | None] = mapped_column(String(64))

    case: Mapped[Case | None] = relationship()
    requester: Mapped[Staff] = relationship()

    @property
    def kind_label(self) -> str:
        try:
            return ExportKind(self.kind).label
        except ValueError:
            return self.kind

    @property
    def status_label(self) -> str:
        return ExportStatus(self.status).label
