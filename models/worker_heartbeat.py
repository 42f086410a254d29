"""Worker heartbeats: each workflow worker stamps its row on every pass.

A load balancer's readiness check (`/healthz/ready`) needs to know that some worker is
alive somewhere, since timers, retries and 中間サーバ deliveries only run in workers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base
from models.types import UTCDateTime


class WorkerHeartbeat(Base):
    __tablename__ = "worker_heartbeat"

    # "host:pid" of the worker process; a restarted worker gets a new row.
    worker_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


def beat(session: Session, worker_id: str, now: datetime) -> None:
    row = session.get(WorkerHeartbeat, worker_id)
    if row is None:
        session.add(WorkerHeartbeat(worker_id=worker_id, started_at=now, beat_at=now))
    else:
        row.beat_at = now


def latest_beat(session: Session) -> datetime | None:
    return session.scalar(
        select(WorkerHeartbeat.beat_at).order_by(WorkerHeartbeat.beat_at.desc()).limit(1)
    )
