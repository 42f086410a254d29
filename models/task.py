"""The human-task index (受信トレイ) and the append-only task history.

`HumanTask` holds one row per user task that is or was ready, so an inbox is a plain
query and never deserializes a workflow. `TaskEvent` records who did what, when and
from where: claims, completions, reassignments, refusals, errors, timers, messages.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.case import Case
from models.staff import Staff
from models.types import UTCDateTime


class HumanTaskState(enum.StrEnum):
    READY = "ready"
    COMPLETED = "completed"
    CANCELLED = "cancelled"  # e.g. interrupted by a boundary timer


class HumanTask(Base):
    __tablename__ = "human_task"
    __table_args__ = (
        Index("ix_human_task_inbox", "state", "role", "due_at"),
        Index("ix_human_task_assignee", "assignee_id", "state"),
        # The shared queue (グループ) of the inbox: ready, unclaimed tasks of a role by due date.
        Index("ix_human_task_queue", "role", "due_at", postgresql_where=text("state = 'ready' AND assignee_id IS NULL"),
              sqlite_where=text("state = 'ready' AND assignee_id IS NULL")),
        Index("ix_human_task_completed_by", "completed_by_id", "completed_at"),
        Index("ix_human_task_state_name", "state", "name"),  # the inbox's list of task names
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_guid: Mapped[str] = mapped_column(String(36), unique=True)  # SpiffWorkflow task id
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    bpmn_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))  # 作業名
    lane: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    form_key: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(12), default=HumanTaskState.READY)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()
    assignee: Mapped[Staff | None] = relationship(foreign_keys=[assignee_id])
    completed_by: Mapped[Staff | None] = relationship(foreign_keys=[completed_by_id])


class TaskEvent(Base):
    """Append-only history of a case's workflow: never updated, never deleted."""

    __tablename__ = "task_event"
    __table_args__ = (Index("ix_task_event_case_at", "case_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    task_guid: Mapped[str | None] = mapped_column(String(36), index=True)
    bpmn_id: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(30))  # claim, complete, reassign, refused, …
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # None: the system
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    terminal: Mapped[str | None] = mapped_column(String(300))  # IP + user agent
    data: Mapped[dict | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[Staff | None] = relationship()
