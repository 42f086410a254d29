"""Vaccination records (予防接種台帳): one row per dose given to a resident.

The items follow 別添2 of the assessment document and 予防接種法施行規則 第3条:
接種券番号, 接種回数, 接種日, ワクチン名/メーカー, Lot.No, 実施医療機関, 接種医, 接種区分.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.resident import Resident
from models.types import UTCDateTime

# 金沢市's 全国地方公共団体コード; configurable through SESSHU_MUNICIPALITY_CODE.
DEFAULT_MUNICIPALITY_CODE = "172014"


class VaccinationCategory(enum.StrEnum):
    """接種区分: decides which relief regime applies."""

    SPECIAL_TEMPORARY = "special_temporary"  # 特例臨時接種 (up to 2024-03-31)
    ROUTINE_B = "routine_b"  # 定期接種 B類 (from 2024-10-01)
    VOLUNTARY = "voluntary"  # 任意接種 (outside the Act: PMDA)

    @property
    def label(self) -> str:
        return {
            "special_temporary": "特例臨時接種",
            "routine_b": "定期接種（B類）",
            "voluntary": "任意接種",
        }[self.value]


class VaccinationRecord(Base):
    __tablename__ = "vaccination_record"
    __table_args__ = (
        Index("ix_vaccination_record_resident_dose", "resident_id", "dose_number"),
        Index("ix_vaccination_record_voucher_no", "voucher_no"),  # search by 接種券番号
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"))
    voucher_no: Mapped[str | None] = mapped_column(String(10))  # 接種券番号
    dose_number: Mapped[int] = mapped_column(Integer)  # 接種回数
    vaccinated_on: Mapped[date] = mapped_column(Date)  # 接種日
    product: Mapped[str] = mapped_column(String(60))  # ワクチン名 (販売名)
    manufacturer: Mapped[str] = mapped_column(String(40))  # メーカー
    lot_no: Mapped[str] = mapped_column(String(20))  # Lot.No
    clinic: Mapped[str] = mapped_column(String(100))  # 実施医療機関
    doctor: Mapped[str | None] = mapped_column(String(50))  # 接種医
    category: Mapped[str] = mapped_column(String(20))  # 接種区分
    # The municipality whose voucher was used: this city, or where the person lived before.
    municipality_code: Mapped[str] = mapped_column(String(6), default=DEFAULT_MUNICIPALITY_CODE)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    resident: Mapped[Resident] = relationship()
