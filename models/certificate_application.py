"""Applications for a vaccination certificate (接種証明書の交付申請): the case data.

One row per certificate case. The workflow carries only the case id and small decision
values (use, applicant type, issue or reject); everything the screens collect — who
applied and how, the passport, the identity document seen, the person found, the doses
picked, the outcome and how it was handed over — is kept here.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.case import Case
from models.certificate import Certificate
from models.resident import Resident
from models.types import UTCDateTime


class Channel(enum.StrEnum):
    COUNTER = "counter"  # 窓口
    POST = "post"  # 郵送

    @property
    def label(self) -> str:
        return "窓口" if self is Channel.COUNTER else "郵送"


class ApplicantType(enum.StrEnum):
    SELF = "self"  # 本人
    AGENT = "agent"  # 代理人 (委任状)
    LEGAL = "legal"  # 法定代理人 (代理権を証明する書面)

    @property
    def label(self) -> str:
        return {"self": "本人", "agent": "代理人", "legal": "法定代理人"}[self.value]


class SearchMethod(enum.StrEnum):
    VOUCHER = "voucher"  # 接種券番号
    MY_NUMBER = "my_number"  # 個人番号
    THREE_INFO = "three_info"  # 3情報 (氏名・生年月日・住所)

    @property
    def label(self) -> str:
        return {"voucher": "接種券番号", "my_number": "個人番号", "three_info": "3情報"}[self.value]


class Outcome(enum.StrEnum):
    ISSUE = "issue"  # 発行
    REJECT = "reject"  # 却下


class CertificateApplication(Base):
    __tablename__ = "certificate_application"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), unique=True)
    # 申請受付
    application_date: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(10))
    applicant_type: Mapped[str] = mapped_column(String(10))
    applicant_name: Mapped[str | None] = mapped_column(String(100))  # 代理人・法定代理人の氏名
    proxy_letter_received: Mapped[bool] = mapped_column(Boolean, default=False)  # 委任状
    authority_document: Mapped[str | None] = mapped_column(String(100))  # 代理権を証明する書面
    kind: Mapped[str] = mapped_column(String(10))  # CertificateKind: 国内用 / 海外用
    passport_no: Mapped[str | None] = mapped_column(String(11))
    passport_family_name: Mapped[str | None] = mapped_column(String(39))
    passport_given_name: Mapped[str | None] = mapped_column(String(39))
    nationality: Mapped[str | None] = mapped_column(String(3))
    passport_expires_on: Mapped[date | None] = mapped_column(Date)
    return_envelope_received: Mapped[bool] = mapped_column(Boolean, default=False)  # 返信用封筒 (郵送)
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    contact_note: Mapped[str | None] = mapped_column(String(200))
    # 再交付: the certificate to supersede, and why
    reissue_of_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    reissue_reason: Mapped[str | None] = mapped_column(String(200))
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # 本人確認
    identity_document: Mapped[str | None] = mapped_column(String(50))
    agent_identity_document: Mapped[str | None] = mapped_column(String(50))
    identity_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    identity_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 接種記録照会
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), index=True)
    search_method: Mapped[str | None] = mapped_column(String(12))
    candidate_ids: Mapped[list | None] = mapped_column(JSON)  # people a search matched
    looked_up_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # 発行 / 却下
    outcome: Mapped[str | None] = mapped_column(String(10))
    dose_ids: Mapped[list | None] = mapped_column(JSON)  # vaccination_record ids staff picked
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    # 交付 (of the certificate or the rejection notice)
    delivery_method: Mapped[str | None] = mapped_column(String(10))  # Channel
    delivered_on: Mapped[date | None] = mapped_column(Date)
    delivered_to: Mapped[str | None] = mapped_column(String(100))
    mailed_to_address: Mapped[str | None] = mapped_column(String(200))
    other_address_reason: Mapped[str | None] = mapped_column(String(200))
    delivered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship()
    resident: Mapped[Resident | None] = relationship()
    certificate: Mapped[Certificate | None] = relationship(foreign_keys=[certificate_id])
    reissue_of: Mapped[Certificate | None] = relationship(foreign_keys=[reissue_of_id])
