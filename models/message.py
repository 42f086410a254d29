"""Message routing (メッセージの宛先): which waiting instance an inbound message belongs to.

While a process instance waits for a message (e.g. a reply from the 中間サーバ or the
national council's decision), one row per (message name, correlation key) says so; an
inbound message is delivered to the instances found here, never by scanning workflows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow
from models.types import UTCDateTime


class MessageRoute(Base):
    __tablename__ = "message_route"
    __table_args__ = (
        UniqueConstraint("instance_id", "message_name", "correlation_key"),
        Index("ix_message_route_lookup", "message_name", "correlation_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    message_name: Mapped[str] = mapped_column(String(100))
    correlation_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
