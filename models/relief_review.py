"""The review path of a relief claim: 調査委員会, 進達, 国の審査結果, 決定, 審査請求."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow
from models.types import UTCDateTime


class NationalOutcome(enum.StrEnum):
    APPROVED = "approved"  # 認定
    DENIED = "denied"  # 否認
    DEFERRED = "deferred"  # 保留

    @property
    def label(self) -> str:
        return {"approved": "認定", "denied": "否認", "deferred": "保留"}[self.value]


# 否認理由 codes as published with the council's results (domain §2.5); code 3 unconfirmed.
DENIAL_REASONS = {
    "1": "予防接種と疾病等との因果関係について否定する論拠がある",
    "2": "疾病の程度は通常起こりうる副反応の程度を超えない",
    "3": "その他（障害の程度が政令に定める程度に該当しない 等）",
}


class CommitteeOpinion(Base):
    """予防接種健康被害調査委員会 (city committee of physicians): its meeting and opinion."""

    __tablename__ = "relief_committee_opinion"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("relief_claim.id"), index=True)
    meeting_on: Mapped[date] = mapped_column(Date)
    conclusion: Mapped[str] = mapped_column(String(20))
    opinion: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Forwarding(Base):
    """進達: the claim sent to the prefecture (and on to MHLW); again after 保留."""

    __tablename__ = "relief_forwarding"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("relief_claim.id"), index=True)
    sent_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))  # "initial" 進達 / "additional" 追加資料
    note: Mapped[str | None] = mapped_column(String(500))


class NationalResult(Base):
    """国の審査結果 (疾病・障害認定審査会 → 厚生労働大臣), as notified through the prefecture."""

    __tablename__ = "relief_national_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("relief_claim.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(10))
    reason_code: Mapped[str | None] = mapped_column(String(5))  # 否認理由
    notified_on: Mapped[date] = mapped_column(Date)  # 通知受領日
    note: Mapped[str | None] = mapped_column(String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class ReliefDecision(Base):
    """支給決定 / 不支給決定 by the mayor: the appealable administrative decision."""

    __tablename__ = "relief_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("relief_claim.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "payment" / "refusal"
    decided_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)


class ReliefAppeal(Base):
    """審査請求 to the prefectural governor, and its 裁決 (ruling) once known."""

    __tablename__ = "relief_appeal"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("relief_claim.id"), index=True)
    filed_on: Mapped[date] = mapped_column(Date)
    ruling: Mapped[str | None] = mapped_column(String(10))  # 認容 / 棄却 / 却下
    ruled_on: Mapped[date | None] = mapped_column(Date)
