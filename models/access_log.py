"""The access log (アクセスログ) of personal data, kept seven years.

Each row records 処理日時, 職員, 部署, 端末, 処理事由, 宛名番号 and 処理内容, and
carries a SHA-256 over its own content and the previous row's hash, so that a
deleted or altered row breaks the chain where it happened. Rows name a person by
宛名番号 only: never a 個人番号, password or TOTP secret.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from models import hash_chain
from models.base import Base, utcnow
from models.types import UTCDateTime


class AccessAction(enum.StrEnum):
    """処理内容."""

    VIEW = "view"  # 参照
    SEARCH = "search"  # 検索
    UPDATE = "update"  # 更新
    PRINT = "print"  # 印刷・発行
    EXPORT = "export"  # 書き出し
    QUERY = "query"  # 情報照会

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS: dict[AccessAction, str] = {
    AccessAction.VIEW: "参照",
    AccessAction.SEARCH: "検索",
    AccessAction.UPDATE: "更新",
    AccessAction.PRINT: "印刷・発行",
    AccessAction.EXPORT: "書き出し",
    AccessAction.QUERY: "情報照会",
}

# 処理事由 staff pick when they open a resident's record; "その他" lets them type one.
ACCESS_REASONS: tuple[str, ...] = (
    "窓口での証明書交付申請",
    "健康被害救済給付の請求・審査",
    "転入者の接種履歴照会",
    "自動応答不可フラグの設定・解除",
    "本人・代理人からの問い合わせ",
    "その他",
)


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

    @property
    def action_label(self) -> str:
        try:
            return AccessAction(self.action).label
        except ValueError:
            return self.action


ACCESS_LOG_CHAIN = hash_chain.ChainSpec(
    name="access_log",
    model=AccessLog,
    fields=("at", "staff_id", "staff_name", "department", "terminal", "reason", "atena_no",
            "action", "detail"),
)


@dataclass(frozen=True)
class Actor:
    """Who did it and from where, as it was at the time."""

    staff_id: int | None
    staff_name: str | None
    department: str | None
    terminal: str | None


def record_access(
    session: Session,
    actor: Actor,
    action: AccessAction,
    *,
    atena_no: str | None = None,
    reason: str | None = None,
    detail: str | None = None,
    now: datetime | None = None,
) -> AccessLog:
    """Append one access-log row in the caller's transaction (it is kept only if that commits).

    Call it after the transaction's other writes: it holds the chain's head lock until commit.
    """
    row = AccessLog(
        staff_id=actor.staff_id,
        staff_name=actor.staff_name,
        department=actor.department,
        terminal=actor.terminal,
        reason=reason,
        atena_no=atena_no,
        action=str(action),
        detail=detail,
    )

    def stamp(r: AccessLog) -> None:
        r.at = now or utcnow()

    return hash_chain.append(session, ACCESS_LOG_CHAIN, row, stamp)
