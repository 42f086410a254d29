"""Import runs (取込処理) of registry and vaccination files, so a crashed run can resume.

A run is identified by the file's SHA-256; each committed batch advances `last_line`
in the same transaction as its data, so a re-run continues after the last commit.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow
from models.types import UTCDateTime


class ImportKind(enum.StrEnum):
    RESIDENTS_FULL = "residents_full"  # 住基 全件
    RESIDENTS_DELTA = "residents_delta"  # 住基 異動分
    VACCINATIONS = "vaccinations"  # 接種記録


class ImportStatus(enum.StrEnum):
    RUNNING = "running"  # 取込中 (or interrupted: a re-run resumes it)
    COMPLETED = "completed"  # 完了


class ImportRun(Base):
    __tablename__ = "import_run"
    __table_args__ = (Index("ix_import_run_kind_checksum", "kind", "checksum"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(255))
    checksum: Mapped[str] = mapped_column(String(64))  # SHA-256 of the file's bytes
    encoding: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default=ImportStatus.RUNNING)
    last_line: Mapped[int] = mapped_column(Integer, default=1)  # the header is line 1
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)  # 変更なし; vaccinations: 重複
    moved_out: Mapped[int] = mapped_column(Integer, default=0)
    deceased: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(String(500))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set at every committed batch: a running import with a recent heartbeat is alive.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ImportReject(Base):
    """A row that was not imported, with its line number and the reason in Japanese."""

    __tablename__ = "import_reject"
    __table_args__ = (Index("ix_import_reject_run_line", "import_run_id", "line_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_run.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300))
    row_text: Mapped[str] = mapped_column(Text)  # the row's fields as read, CSV-encoded
