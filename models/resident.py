"""Residents (住民) as known from the resident registry (住民基本台帳)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Index, String, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from models.base import Base, utcnow
from models.search_keys import address_key, kana_name_key, kanji_name_key
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


def _kanji_key_default(context) -> str:
    row = context.get_current_parameters()
    return kanji_name_key(row.get("family_name"), row.get("given_name"))


def _kana_key_default(context) -> str:
    row = context.get_current_parameters()
    return kana_name_key(row.get("family_name_kana"), row.get("given_name_kana"))


def _address_key_default(context) -> str:
    return address_key(context.get_current_parameters().get("address"))


class Resident(Base):
    """A person in the registry; deceased and moved-out people are kept, flagged."""

    __tablename__ = "resident"
    __table_args__ = (
        Index("ix_resident_kana_birth", "name_kana", "birth_date"),
        Index("ix_resident_status", "status"),
        # Pattern ops: the name search is a prefix LIKE, which a plain index under a
        # non-C collation cannot serve on PostgreSQL.
        Index("ix_resident_kanji_key_birth", "name_kanji_key", "birth_date",
              postgresql_ops={"name_kanji_key": "varchar_pattern_ops"}),
        Index("ix_resident_kana_key_birth", "name_kana_key", "birth_date",
              postgresql_ops={"name_kana_key": "varchar_pattern_ops"}),
        Index("ix_resident_birth_date", "birth_date"),  # 3情報 search by 生年月日 and 住所
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
    # Search keys (models/search_keys.py), filled on insert however the row is written.
    name_kanji_key: Mapped[str | None] = mapped_column(String(100), default=_kanji_key_default)
    name_kana_key: Mapped[str | None] = mapped_column(String(201), default=_kana_key_default)
    address_key: Mapped[str | None] = mapped_column(String(200), default=_address_key_default)

    def refresh_search_keys(self) -> None:
        self.name_kanji_key = kanji_name_key(self.family_name, self.given_name)
        self.name_kana_key = kana_name_key(self.family_name_kana, self.given_name_kana)
        self.address_key = address_key(self.address)

    @property
    def full_name(self) -> str:
        return f"{self.family_name}\u3000{self.given_name}"


@event.listens_for(Resident, "before_update")
def _keys_follow_edits(_mapper: Mapper, _connection: Connection, resident: Resident) -> None:
    resident.refresh_search_keys()
