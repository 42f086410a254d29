"""Residents (住民) as known from the resident registry (住民基本台帳)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow
from models.types import UTCDateTime


class ResidentStatus(enum.StrEnum):
    RESIDENT = "resident"  # 住民
    MOVED_OUT = "moved_out"  # 転出
    DECEASED = "deceased"  # 死亡

    @property
    def label(self) -> str:
        return {"resident": "住民", "moved_out": "転出", "deceased": "死亡"}[self.value]


class Sex(enum.StrEnum):
    MALE = "1"  # 男
    FEMALE = "2"  # 女

    @property
    def label(self) -> str:
        return "男" if self is Sex.MALE else "女"


class Resident(Base):
    """A person in the registry; deceased and moved-out people are kept, flagged."""

    __tablename__ = "resident"
    __table_args__ = (
        Index("ix_resident_kana_birth", "name_kana", "birth_date"),
        Index("ix_resident_status", "status"),
        # Prefix search on カナ氏名 (LIKE 'ヤマダ%') whatever the database collation.
        Index("ix_resident_name_kana_prefix", "name_kana", postgresql_ops={"name_kana": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # 宛名番号: the city's internal person id, an opaque zero-padded string.
    atena_no: Mapped[str] = mapped_column(String(15), unique=True)
    # 個人番号: never a key (it can change); shown only with permission.
    my_number: Mapped[str | None] = mapped_column(String(12), unique=True)
    family_name: Mapped[str] = mapped_column(String(50))  # 漢字氏名 姓
    given_name: Mapped[str] = mapped_column(String(50))  # 漢字氏名 名
    family_name_kana: Mapped[str] = mapped_column(String(100))  # カナ氏名 姓
    given_name_kana: Mapped[str] = mapped_column(String(100))  # カナ氏名 名
    # Search key: full-width katakana "姓 名" with the ideographic space.
    name_kana: Mapped[str] = mapped_column(String(201))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    postal_code: Mapped[str | None] = mapped_column(String(7))
    address: Mapped[str] = mapped_column(String(200))
    household_no: Mapped[str | None] = mapped_column(String(15))  # 世帯番号
    status: Mapped[str] = mapped_column(String(12), default=ResidentStatus.RESIDENT)
    moved_in_on: Mapped[date | None] = mapped_column(Date)  # 転入日
    previous_address: Mapped[str | None] = mapped_column(String(200))  # 転入前住所
    previous_municipality_code: Mapped[str | None] = mapped_column(String(6))
    moved_out_on: Mapped[date | None] = mapped_column(Date)  # 転出日
    died_on: Mapped[date | None] = mapped_column(Date)  # 死亡日
    voucher_no: Mapped[str | None] = mapped_column(String(10), unique=True)  # 接種券番号
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def full_name(self) -> str:
        return f"{self.family_name}\u3000{self.given_name}"
