"""BPMN process definitions (every published version) and their running instances."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.case import Case
from models.types import UTCDateTime


class ProcessDefinition(Base):
    """One published, immutable version of a process (工程定義)."""

    __tablename__ = "process_definition"
    __table_args__ = (UniqueConstraint("process_key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100))  # BPMN process id
    version: Mapped[int] = mapped_column(Integer)
    bpmn_xml: Mapped[str] = mapped_column(Text)
    # DMN decision tables the process calls, as JSON {file name: XML}; NULL when none.
    dmn_xml: Mapped[str | None] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64), index=True)  # sha256 of the XML
    # Parsed spec, serialized once per version so instances need not carry it.
    spec_json: Mapped[str | None] = mapped_column(Text)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)


class InstanceStatus(enum.StrEnum):
    RUNNING = "running"  # waiting for people, timers or messages
    ERROR = "error"  # a step failed; staff can see and retry it
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ProcessInstance(Base):
    """A case's workflow state: the serialized SpiffWorkflow instance and a version counter.

    `revision` is the optimistic lock: every save is
    UPDATE … WHERE id = ? AND revision = ?, so of two concurrent changes only one lands.
    """

    __tablename__ = "process_instance"
    __table_args__ = (Index("ix_process_instance_status_timer", "status", "next_timer_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    status: Mapped[str] = mapped_column(String(12), default=InstanceStatus.RUNNING)
    state_json: Mapped[str] = mapped_column(Text)
    serializer_version: Mapped[str] = mapped_column(String(10))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # Random per save: a process may reuse its in-memory copy of the workflow only while the
    # row still carries the token it saved (robust even if ids and revisions repeat).
    state_token: Mapped[str | None] = mapped_column(String(32))
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error_message: Mapped[str | None] = mapped_column(Text)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    next_retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship()
    definition: Mapped[ProcessDefinition] = relationship()
