"""Residence history (異動履歴): every 転入, 転出, 死亡, 氏名変更 and 住所変更 of a person."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow
from models.types import UTCDateTime


class MovementKind(enum.StrEnum):
    MOVED_IN = "moved_in"  # 転入
    MOVED_OUT = "moved_out"  # 転出
    DIED = "died"  # 死亡
    NAME_CHANGED = "name_changed"  # 氏名変更
    ADDRESS_CHANGED = "address_changed"  # 住所変更

    @property
    def label(self) -> str:
        return MOVEMENT_LABELS[self]

    @classmethod
    def from_label(cls, label: str) -> MovementKind | None:
        return next((kind for kind, text in MOVEMENT_LABELS.items() if text == label), None)


MOVEMENT_LABELS: dict[MovementKind, str] = {
    MovementKind.MOVED_IN: "転入",
    MovementKind.MOVED_OUT: "転出",
    MovementKind.DIED: "死亡",
    MovementKind.NAME_CHANGED: "氏名変更",
    MovementKind.ADDRESS_CHANGED: "住所変更",
}


class ResidentMovement(Base):
    __tablename__ = "resident_movement"
    __table_args__ = (Index("ix_resident_movement_resident", "resident_id", "occurred_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"))
    kind: Mapped[str] = mapped_column(String(20))
    occurred_on: Mapped[date | None] = mapped_column(Date)  # 異動日; NULL when not known
    # 転入: the former address; 氏名変更/住所変更: the old name or address.
    previous_value: Mapped[str | None] = mapped_column(String(200))
    new_value: Mapped[str | None] = mapped_column(String(200))
    previous_municipality_code: Mapped[str | None] = mapped_column(String(6))  # 転入前市町村コード
    note: Mapped[str | None] = mapped_column(String(200))
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
