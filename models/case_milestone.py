"""Dated milestone history (節目): each stage a case reached, as named in its BPMN.

The engine writes a row whenever a task or event carrying the `milestone` property is
reached, and sets Case.stage to the newest; the claimant status page shows this history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import UTCDateTime


class CaseMilestone(Base):
    __tablename__ = "case_milestone"
    __table_args__ = (UniqueConstraint("instance_id", "task_guid", name="uq_case_milestone_task"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    task_guid: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(100))
    stage: Mapped[str] = mapped_column(String(100))
    reached_at: Mapped[datetime] = mapped_column(UTCDateTime)
