"""情報提供用個人識別符号 of each resident, so an incoming query finds its person.

Issued from the 個人番号 (see handlers.intermediary.subject) and refreshed when the
resident row changed after issue, e.g. a new 個人番号.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import UTCDateTime


class SubjectToken(Base):
    __tablename__ = "subject_token"

    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
