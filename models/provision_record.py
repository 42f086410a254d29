"""情報提供等記録: every answer Sesshu gives (or withholds) to another municipality's query.

When, to whom, under which 事務, what (the doses, summarised), whether the answer
was automatic or decided by a person, and by whom; with the 中間サーバ's receipt.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.staff import Staff
from models.types import UTCDateTime


class ProvisionRecord(Base):
    __tablename__ = "provision_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    incoming_query_id: Mapped[int] = mapped_column(ForeignKey("incoming_query.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("intermediary_request.id"), unique=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), index=True)
    requester_code: Mapped[str] = mapped_column(String(6))  # to whom (情報照会者)
    jimu_code: Mapped[str] = mapped_column(String(3))
    data_item: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(20))  # provided, provided_in_part, withheld
    decision: Mapped[str] = mapped_column(String(10))  # automatic or manual
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # None: automatic
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # What: one entry per dose sent, {"dose_number", "vaccinated_on", "product"}.
    provided: Mapped[list] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)  # why withheld or only in part
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivery_status: Mapped[str] = mapped_column(String(20))  # as intermediary_request.status

    decided_by: Mapped[Staff | None] = relationship()
