"""Messages Sesshu sends to the 中間サーバ: 情報照会, 自動応答不可フラグ, 情報提供 (回答).

A row is written, and committed, before the first transmission: its
idempotency_key travels as the message_id, so a retry after a crash or a
timeout is recognised by the 中間サーバ and never processed twice.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow
from models.types import UTCDateTime


class RequestKind(enum.StrEnum):
    QUERY = "query"  # 情報照会
    FLAG = "flag"  # 自動応答不可フラグ 設定/解除
    ANSWER = "answer"  # 他団体の照会への回答 (or 手動応答待ち通知)


class RequestStatus(enum.StrEnum):
    PENDING = "pending"  # 送信待ち
    ACCEPTED = "accepted"  # 照会受付済み: the result comes later
    MANUAL_PENDING = "manual_pending"  # 手動応答待ち (provider reviews by hand)
    ANSWERED = "answered"  # 照会結果受領
    NOT_FOUND = "not_found"  # 対象者なし
    WITHHELD = "withheld"  # 提供されず
    ACKNOWLEDGED = "acknowledged"  # 受領確認済み (flag or answer)
    REFUSED = "refused"  # 拒否 (e.g. 照会許可用照合リスト外)
    FAILED = "failed"  # 送信できず (retries exhausted or rejected); may be sent again

    @property
    def label(self) -> str:
        return REQUEST_STATUS_LABELS[self]

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


REQUEST_STATUS_LABELS = {
    RequestStatus.PENDING: "送信待ち",
    RequestStatus.ACCEPTED: "照会受付済み",
    RequestStatus.MANUAL_PENDING: "手動応答待ち",
    RequestStatus.ANSWERED: "照会結果受領",
    RequestStatus.NOT_FOUND: "対象者なし",
    RequestStatus.WITHHELD: "提供されず",
    RequestStatus.ACKNOWLEDGED: "受領確認済み",
    RequestStatus.REFUSED: "拒否",
    RequestStatus.FAILED: "送信失敗",
}

FINAL_STATUSES = frozenset(
    {
        RequestStatus.ANSWERED,
        RequestStatus.NOT_FOUND,
        RequestStatus.WITHHELD,
        RequestStatus.ACKNOWLEDGED,
        RequestStatus.REFUSED,
    }
)


class IntermediaryRequest(Base):
    __tablename__ = "intermediary_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.PENDING, index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"), index=True)
    subject_token: Mapped[str | None] = mapped_column(String(64), index=True)  # 符号, never 個人番号
    counterpart_code: Mapped[str | None] = mapped_column(String(6))  # provider or requester
    jimu_code: Mapped[str | None] = mapped_column(String(3))  # 事務 (主務省令第2条の表の項)
    data_item: Mapped[str | None] = mapped_column(String(40))
    query_ref: Mapped[str | None] = mapped_column(String(40), index=True)  # 中間サーバ's number
    ack_id: Mapped[str | None] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)  # the JSON body exactly as (re)sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[str | None] = mapped_column(String(40))
    error_message: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
