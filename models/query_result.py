"""Raw 照会結果 (query results) as received from the 中間サーバ, kept only for a while.

The assessment document (III 6. リスク4) promises that results of completed or
interrupted queries are deleted automatically after a fixed period: each row
carries its own delete_after, and handlers.intermediary.purge_expired_results
removes the rows whose time has come.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import UTCDateTime


class QueryResult(Base):
    __tablename__ = "query_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)  # the result's idempotency key
    request_id: Mapped[int] = mapped_column(ForeignKey("intermediary_request.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))  # protocol ResultStatus
    provider_code: Mapped[str] = mapped_column(String(6))
    body_sha256: Mapped[str] = mapped_column(String(64))
    raw: Mapped[str] = mapped_column(Text)  # the message as received
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delete_after: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
