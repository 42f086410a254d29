"""Amounts and payments of relief benefits: the yearly rate table, receipts, 医療手当
months, payment records and pension instalments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow
from models.types import UTCDateTime


class ReliefRate(Base):
    """One amount of the rate table (給付額) for a fiscal year, maintained by admins.

    Codes: allowance_low / allowance_high (医療手当 monthly), death_lump_sum, funeral,
    child_pension_1/2, disability_pension_1/2/3, care_supplement_1/2 …
    """

    __tablename__ = "relief_rate"
    __table_args__ = (UniqueConstraint("fiscal_year", "code", name="uq_relief_rate_year_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)  # 年度 (April start)
    code: Mapped[str] = mapped_column(String(40))
    amount: Mapped[int] = mapped_column(Integer)  # yen
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ReliefReceipt(Base):
    """医療費: one receipt's patient share (自己負担額) as entered from the 領収書."""

    __tablename__ = "relief_receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("relief_claim.id"), index=True)
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(Integer)


class AllowanceMonth(Base):
    """医療手当: treatment days of one month (通院 / 入院)."""

    __tablename__ = "relief_allowance_month"
    __table_args__ = (UniqueConstraint("claim_id", "month", name="uq_relief_allowance_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("relief_claim.id"), index=True)
    month: Mapped[date] = mapped_column(Date)  # first day of the month
    outpatient_days: Mapped[int] = mapped_column(Integer, default=0)
    inpatient_days: Mapped[int] = mapped_column(Integer, default=0)


class ReliefPayment(Base):
    """An amount due for one benefit, and when it was paid."""

    __tablename__ = "relief_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("relief_claim.id"), index=True)
    benefit: Mapped[str] = mapped_column(String(30))
    amount: Mapped[int] = mapped_column(Integer)  # yen; for pensions the yearly amount
    basis: Mapped[str] = mapped_column(String(200))  # how it was computed
    paid_on: Mapped[date | None] = mapped_column(Date)


class PensionInstalment(Base):
    """One scheduled instalment of a pension (年金の支払予定)."""

    __tablename__ = "relief_pension_instalment"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("relief_payment.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(Integer)
    paid_on: Mapped[date | None] = mapped_column(Date)
