"""Long-running work (一括処理・取込) and its progress, shown to its owner as a progress bar.

Whoever does the work reports through `JobProgress`, each report in its own short
transaction, so any web process can show how far the job has come:

    progress = JobProgress.start(database, kind="resident_import", title="住民データの取込",
                                 owner_id=staff.id, total=len(rows))
    for row in rows:
        ...                                   # the work, in its own transaction
        progress.advance(failure=None or "12行目: 生年月日が不正です")
    progress.finish("1,000件を取り込みました")  # or progress.fail("…") on an error

The owner follows it at /jobs/<id> (web.jobs), which can be left and opened again.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, update
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow
from models.db import Database
from models.types import UTCDateTime

MAX_FAILURES_KEPT = 200
STALE_AFTER = timedelta(minutes=10)  # a running job silent this long is shown as interrupted


class JobStatus(enum.StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"running": "実行中", "done": "完了", "failed": "失敗"}[self.value]


class Job(Base):
    __tablename__ = "job"
    __table_args__ = (Index("ix_job_owner_created", "owner_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # e.g. bulk_claim, resident_import
    title: Mapped[str] = mapped_column(String(200))  # shown to the owner, in Japanese
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.RUNNING)
    message: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[list] = mapped_column(JSON, default=list)  # Japanese lines, first 200
    return_to: Mapped[str | None] = mapped_column(String(300))  # screen to go back to
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done / self.total))

    def interrupted(self, now: datetime) -> bool:
        return self.status == JobStatus.RUNNING and now - self.updated_at > STALE_AFTER


class JobProgress:
    """Reports the progress of one job; every call commits on its own session."""

    def __init__(self, database: Database, job_id: int) -> None:
        self.database = database
        self.job_id = job_id

    @classmethod
    def start(cls, database: Database, *, kind: str, title: str, owner_id: int | None, total: int,
              return_to: str | None = None) -> JobProgress:
        with database.transaction() as session:
            job = Job(kind=kind, title=title, owner_id=owner_id, total=total, failures=[],
                      return_to=return_to)
            session.add(job)
            session.flush()
            return cls(database, job.id)

    def advance(self, *, failure: str | None = None, message: str | None = None) -> None:
        """One item handled (successfully, or with `failure` describing why not)."""
        with self.database.transaction() as session:
            values: dict = {"done": Job.done + 1, "updated_at": utcnow()}
            if message is not None:
                values["message"] = message
            if failure is not None:
                values["failed"] = Job.failed + 1
                job = session.get(Job, self.job_id, with_for_update=True)
                if job is not None and len(job.failures) < MAX_FAILURES_KEPT:
                    values["failures"] = [*job.failures, failure]
            session.execute(update(Job).where(Job.id == self.job_id).values(**values))

    def advance_by(self, count: int) -> None:
        """`count` items handled at once (a committed batch of an import)."""
        with self.database.transaction() as session:
            session.execute(update(Job).where(Job.id == self.job_id)
                            .values(done=Job.done + count, updated_at=utcnow()))

    def finish(self, message: str) -> None:
        self._end(JobStatus.DONE, message)

    def fail(self, message: str) -> None:
        self._end(JobStatus.FAILED, message)

    def _end(self, status: JobStatus, message: str) -> None:
        now = utcnow()
        with self.database.transaction() as session:
            session.execute(update(Job).where(Job.id == self.job_id).values(
                status=status, message=message, updated_at=now, finished_at=now))
