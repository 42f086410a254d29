"""Cases (案件): one per application, claim, query or flag request.

A case is what staff and claimants talk about; its number (案件番号) is
`R{和暦年度}-{KIND}-{serial}`, e.g. R8-CERT-000123, with a serial per year and kind.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, utcnow
from models.resident import Resident
from models.types import UTCDateTime
from models.wareki import fiscal_year_era_prefix


class Procedure(enum.StrEnum):
    CERTIFICATE = "certificate"  # 予防接種証明書の交付
    RELIEF = "relief"  # 健康被害救済
    TRANSFER_IN = "transfer_in"  # 転入者の接種履歴照会
    AUTO_RESPONSE_BLOCK = "auto_response_block"  # 自動応答不可フラグ
    INCOMING_QUERY = "incoming_query"  # 他市町村からの情報照会への回答
    DATA_EXPORT = "data_export"  # 外部媒体への書き出し
    RETENTION_PURGE = "retention_purge"  # 保存期間を過ぎた接種記録の削除

    @property
    def label(self) -> str:
        return PROCEDURE_LABELS[self]

    @property
    def code(self) -> str:
        return PROCEDURE_CODES[self]


PROCEDURE_LABELS = {
    Procedure.CERTIFICATE: "予防接種証明書の交付",
    Procedure.RELIEF: "健康被害救済給付請求",
    Procedure.TRANSFER_IN: "転入者の接種履歴照会",
    Procedure.AUTO_RESPONSE_BLOCK: "自動応答不可フラグ設定・解除",
    Procedure.INCOMING_QUERY: "情報照会への回答",
    Procedure.DATA_EXPORT: "外部媒体への書き出し",
    Procedure.RETENTION_PURGE: "保存期間経過記録の削除",
}

PROCEDURE_CODES = {
    Procedure.CERTIFICATE: "CERT",
    Procedure.RELIEF: "RELIEF",
    Procedure.TRANSFER_IN: "XFER",
    Procedure.AUTO_RESPONSE_BLOCK: "FLAG",
    Procedure.INCOMING_QUERY: "QUERY",
    Procedure.DATA_EXPORT: "EXPORT",
    Procedure.RETENTION_PURGE: "PURGE",
}
# Cases whose mere existence tells that a person is protected (自動応答不可フラグ): shown
# only to staff who handle flags or oversee them.
PROTECTED_PROCEDURES = frozenset({Procedure.AUTO_RESPONSE_BLOCK, Procedure.INCOMING_QUERY})


class CaseStatus(enum.StrEnum):
    OPEN = "open"  # 処理中
    ERROR = "error"  # エラー (staff must look)
    CLOSED = "closed"  # 完了
    CANCELLED = "cancelled"  # 取消

    @property
    def label(self) -> str:
        return {"open": "処理中", "error": "エラー", "closed": "完了", "cancelled": "取消"}[
            self.value
        ]


class Case(Base):
    __tablename__ = "case_file"
    __table_args__ = (
        Index("ix_case_procedure_status", "procedure", "status"),
        # Prefix search on 案件番号 (LIKE 'R8-CERT-0001%') whatever the database collation.
        Index("ix_case_no_prefix", "case_no", postgresql_ops={"case_no": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_no: Mapped[str] = mapped_column(String(30), unique=True)
    procedure: Mapped[str] = mapped_column(String(30))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=CaseStatus.OPEN)
    stage: Mapped[str | None] = mapped_column(String(100))  # current milestone, in Japanese
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    resident: Mapped[Resident | None] = relationship()


class CaseCounter(Base):
    """Last serial used per case-number prefix (e.g. R8-CERT)."""

    __tablename__ = "case_counter"

    prefix: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_serial: Mapped[int] = mapped_column(Integer, default=0)


def next_case_no(session: Session, procedure: Procedure, today: date) -> str:
    """Allocate the next 案件番号 inside the caller's transaction.

    The counter is bumped with one UPDATE … RETURNING, which holds the row lock
    until the caller commits, so two clerks opening cases at once never share a
    number; the row is created on first use without racing (ON CONFLICT DO NOTHING).
    """
    prefix = f"{fiscal_year_era_prefix(today)}-{procedure.code}"
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(CaseCounter).values(prefix=prefix, last_serial=0).on_conflict_do_nothing()
    )
    serial = session.execute(
        update(CaseCounter)
        .where(CaseCounter.prefix == prefix)
        .values(last_serial=CaseCounter.last_serial + 1)
        .returning(CaseCounter.last_serial)
    ).scalar_one()
    return f"{prefix}-{serial:06d}"
