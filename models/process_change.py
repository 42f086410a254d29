"""Changing a process in the browser: drafts, publication requests with a second approval,
and the migration of running instances to a newer version (with what is needed to revert).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.process import ProcessDefinition, ProcessInstance
from models.staff import Staff
from models.types import UTCDateTime


class ProcessDraft(Base):
    """One saved state of a process being edited (下書き). Every save adds a row; the newest
    row of a process key is the shared draft the editor opens."""

    __tablename__ = "process_draft"
    __table_args__ = (Index("ix_process_draft_key_saved", "process_key", "saved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    # The published version the draft started from (None for a new process or an import).
    base_version: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(String(200))  # e.g. "第 2 版から復元"

    author: Mapped[Staff] = relationship()


class PublicationStatus(enum.StrEnum):
    PENDING = "pending"  # 承認待ち
    APPROVED = "approved"  # 公開済み
    REJECTED = "rejected"  # 差戻し
    WITHDRAWN = "withdrawn"  # 取下げ

    @property
    def label(self) -> str:
        return {"pending": "承認待ち", "approved": "公開済み", "rejected": "差戻し", "withdrawn": "取下げ"}[
            self.value
        ]


class ProcessPublication(Base):
    """A request to publish a draft as the next version, and the second owner's decision."""

    __tablename__ = "process_publication"
    __table_args__ = (Index("ix_process_publication_key_status", "process_key", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100))
    draft_id: Mapped[int] = mapped_column(ForeignKey("process_draft.id"))
    bpmn_xml: Mapped[str] = mapped_column(Text)  # frozen copy of what is to be published
    note: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=PublicationStatus.PENDING)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    definition_id: Mapped[int | None] = mapped_column(ForeignKey("process_definition.id"))

    requested_by: Mapped[Staff] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[Staff | None] = relationship(foreign_keys=[decided_by_id])
    definition: Mapped[ProcessDefinition | None] = relationship()


class MigrationStatus(enum.StrEnum):
    MIGRATED = "migrated"
    REVERTED = "reverted"


class InstanceMigration(Base):
    """One running instance moved to another version, with its state from before the move."""

    __tablename__ = "instance_migration"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"))
    from_definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    to_definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    previous_state_json: Mapped[str] = mapped_column(Text)
    previous_serializer_version: Mapped[str] = mapped_column(String(10))
    # The instance revision the migration produced: revert is safe only while it is unchanged.
    migrated_revision: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default=MigrationStatus.MIGRATED)
    migrated_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    migrated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reverted_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reverted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    instance: Mapped[ProcessInstance] = relationship()
    from_definition: Mapped[ProcessDefinition] = relationship(foreign_keys=[from_definition_id])
    to_definition: Mapped[ProcessDefinition] = relationship(foreign_keys=[to_definition_id])
    migrated_by: Mapped[Staff] = relationship(foreign_keys=[migrated_by_id])
