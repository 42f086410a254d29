"""健康被害救済 給付請求 (injury-relief benefit claim): the claim and the benefits claimed.

One claim per case. The workflow carries only the claim id and small decisions; who
claims, for which vaccination and what happened is kept here.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.case import Case
from models.resident import Resident
from models.types import UTCDateTime
from models.vaccination import VaccinationRecord


class ClaimantType(enum.StrEnum):
    SELF = "self"  # 本人
    GUARDIAN = "guardian"  # 保護者
    BEREAVED = "bereaved"  # 遺族

    @property
    def label(self) -> str:
        return {"self": "本人", "guardian": "保護者", "bereaved": "遺族"}[self.value]


class BenefitKind(enum.StrEnum):
    MEDICAL_COST = "medical_cost"  # 医療費
    MEDICAL_ALLOWANCE = "medical_allowance"  # 医療手当
    CHILD_PENSION = "child_pension"  # 障害児養育年金
    DISABILITY_PENSION = "disability_pension"  # 障害年金
    DEATH_LUMP_SUM = "death_lump_sum"  # 死亡一時金
    FUNERAL = "funeral"  # 葬祭料
    SURVIVOR_PENSION = "survivor_pension"  # 遺族年金 (B類)
    SURVIVOR_LUMP_SUM = "survivor_lump_sum"  # 遺族一時金 (B類)

    @property
    def label(self) -> str:
        return BENEFIT_LABELS[self]

    @property
    def is_pension(self) -> bool:
        return self in (BenefitKind.CHILD_PENSION, BenefitKind.DISABILITY_PENSION, BenefitKind.SURVIVOR_PENSION)


BENEFIT_LABELS = {
    BenefitKind.MEDICAL_COST: "医療費",
    BenefitKind.MEDICAL_ALLOWANCE: "医療手当",
    BenefitKind.CHILD_PENSION: "障害児養育年金",
    BenefitKind.DISABILITY_PENSION: "障害年金",
    BenefitKind.DEATH_LUMP_SUM: "死亡一時金",
    BenefitKind.FUNERAL: "葬祭料",
    BenefitKind.SURVIVOR_PENSION: "遺族年金",
    BenefitKind.SURVIVOR_LUMP_SUM: "遺族一時金",
}


class ReliefClaim(Base):
    __tablename__ = "relief_claim"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), unique=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), index=True)  # the person vaccinated
    vaccination_record_id: Mapped[int] = mapped_column(ForeignKey("vaccination_record.id"))
    category: Mapped[str] = mapped_column(String(20))  # 接種区分 (VaccinationCategory)
    claimant_type: Mapped[str] = mapped_column(String(10))  # 請求者の区分 (ClaimantType)
    claimant_name: Mapped[str] = mapped_column(String(100))
    claimant_relation: Mapped[str] = mapped_column(String(50))  # 続柄
    onset_on: Mapped[date] = mapped_column(Date)  # 発症日
    symptoms: Mapped[str] = mapped_column(Text)  # 症状の概要
    deadline_basis_on: Mapped[date | None] = mapped_column(Date)  # 請求期限の起算日 (B類)
    prior_benefits_paid: Mapped[bool] = mapped_column(Boolean, default=False)
    received_on: Mapped[date] = mapped_column(Date)  # 受付日
    access_code_hash: Mapped[str | None] = mapped_column(String(200))  # argon2 of the one-time code
    access_code_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    referred_out_on: Mapped[date | None] = mapped_column(Date)  # 任意接種: PMDA へ案内
    withdrawn_on: Mapped[date | None] = mapped_column(Date)  # 取下げ日
    withdrawal_reason: Mapped[str | None] = mapped_column(String(200))
    disability_grade: Mapped[int | None] = mapped_column(Integer)  # 年金の等級 (1–3)
    decision_draft: Mapped[str | None] = mapped_column(Text)  # 決定の理由 (起案), until approved
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship()
    resident: Mapped[Resident] = relationship()
    vaccination: Mapped[VaccinationRecord] = relationship()
    benefits: Mapped[list[ReliefBenefit]] = relationship(
        back_populates="claim", order_by="ReliefBenefit.id", cascade="all, delete-orphan"
    )

    @property
    def receipt_no(self) -> str:
        """受付番号: the case number, printed on the 受付票."""
        return self.case.case_no

    @property
    def benefit_kinds(self) -> list[BenefitKind]:
        return [BenefitKind(b.kind) for b in self.benefits]


class ReliefBenefit(Base):
    """One benefit claimed (給付の種類), with its 請求期限 check where one applies."""

    __tablename__ = "relief_benefit"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("relief_claim.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    deadline_on: Mapped[date | None] = mapped_column(Date)  # 請求期限 (B類 only)
    deadline_expired: Mapped[bool] = mapped_column(Boolean, default=False)

    claim: Mapped[ReliefClaim] = relationship(back_populates="benefits")
