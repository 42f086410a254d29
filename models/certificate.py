"""Issued vaccination certificates (接種証明書の交付記録).

Each issuance is immutable. A 再交付 (reissue: lost certificate, new name or passport)
creates a new certificate with a new 証明書ID that supersedes the old one; both are kept.
What was printed (name, birth date, doses with their record version, passport data,
the signed SMART Health Card) is stored so that a reprint is identical to the original.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.resident import Resident
from models.staff import Staff
from models.types import UTCDateTime
from models.vaccination import VaccinationRecord


class CertificateKind(enum.StrEnum):
    DOMESTIC = "domestic"  # 国内用
    OVERSEAS = "overseas"  # 海外用及び国内用 (passport data, romaji, English)

    @property
    def label(self) -> str:
        return "国内用" if self is CertificateKind.DOMESTIC else "海外用"


class Certificate(Base):
    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    # 証明書ID: 12 upper-case letters/digits, like an ICAO VDS-NC `uvci`.
    certificate_no: Mapped[str] = mapped_column(String(12), unique=True)
    # The application case; NULL until the certificate process records one.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    # Holder as printed (the register may change later).
    family_name: Mapped[str] = mapped_column(String(50))
    given_name: Mapped[str] = mapped_column(String(50))
    birth_date: Mapped[date] = mapped_column(Date)
    # 外字 replaced by 代用漢字 on the printout, e.g. "𠮷→吉"; NULL when none.
    glyph_substitutions: Mapped[str | None] = mapped_column(String(200))
    # 海外用 only: 旅券番号, ローマ字氏名, 国籍・地域, 有効期間満了日.
    passport_no: Mapped[str | None] = mapped_column(String(11))
    passport_family_name: Mapped[str | None] = mapped_column(String(39))
    passport_given_name: Mapped[str | None] = mapped_column(String(39))
    nationality: Mapped[str | None] = mapped_column(String(3))
    passport_expires_on: Mapped[date | None] = mapped_column(Date)
    # More than 5 doses were certifiable: only the latest 5 are listed, with the fixed note.
    latest_five_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # The signed SMART Health Card (compact JWS) printed as the QR code.
    shc_jws: Mapped[str] = mapped_column(Text)
    # 海外用 only: the signed ICAO VDS-NC seal (JSON) printed as the second QR code.
    vds_nc: Mapped[str | None] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    # 再交付: the certificate this one replaces; the old one stays, superseded.
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"), unique=True)
    reissue_reason: Mapped[str | None] = mapped_column(String(200))

    resident: Mapped[Resident] = relationship()
    issued_by: Mapped[Staff] = relationship()
    doses: Mapped[list[CertificateDose]] = relationship(
        back_populates="certificate",
        cascade="all, delete-orphan",
        order_by="CertificateDose.position",
        lazy="selectin",
    )
    supersedes: Mapped[Certificate | None] = relationship(
        remote_side="Certificate.id", back_populates="superseded_by"
    )
    superseded_by: Mapped[Certificate | None] = relationship(back_populates="supersedes")

    @property
    def is_overseas(self) -> bool:
        return self.kind == CertificateKind.OVERSEAS

    @property
    def dose_ids(self) -> list[int]:
        return [d.vaccination_record_id for d in self.doses]


class CertificateDose(Base):
    """One dose listed on a certificate, in printed order, as printed (a snapshot of the record)."""

    __tablename__ = "certificate_dose"
    __table_args__ = (UniqueConstraint("certificate_id", "vaccination_record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"))
    vaccination_record_id: Mapped[int] = mapped_column(ForeignKey("vaccination_record.id"))
    position: Mapped[int] = mapped_column(Integer)
    record_version: Mapped[int] = mapped_column(Integer)
    dose_number: Mapped[int] = mapped_column(Integer)  # 接種回数
    vaccinated_on: Mapped[date] = mapped_column(Date)  # 接種日
    product: Mapped[str] = mapped_column(String(60))  # ワクチン名 (販売名)
    manufacturer: Mapped[str] = mapped_column(String(40))  # メーカー
    lot_no: Mapped[str] = mapped_column(String(20))  # Lot.No

    certificate: Mapped[Certificate] = relationship(back_populates="doses")
    record: Mapped[VaccinationRecord] = relationship(lazy="joined")
