"""Server-side records of staff sessions (ログインセッション).

The browser holds only a random token; its SHA-256 names the row here. Logout,
the idle and absolute timeouts and disabling an account end the row, so a copied
cookie stops working at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, delete, func, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base
from models.staff import Staff
from models.types import UTCDateTime


class SessionEnd:
    """Why a session ended (stored in `end_reason`)."""

    LOGOUT = "logout"
    IDLE = "idle"
    ABSOLUTE = "absolute"
    DISABLED = "disabled"
    REVOKED = "revoked"


class StaffSession(Base):
    __tablename__ = "staff_session"
    __table_args__ = (Index("ix_staff_session_staff_ended", "staff_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(20))
    terminal: Mapped[str | None] = mapped_column(String(300))

    staff: Mapped[Staff] = relationship()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def open_session(
    session: Session, staff: Staff, now: datetime, terminal: str | None
) -> tuple[str, StaffSession]:
    """Start a session for `staff`; returns the token for the cookie and the record."""
    token = secrets.token_urlsafe(32)
    record = StaffSession(
        token_hash=token_digest(token), staff_id=staff.id, created_at=now, last_seen_at=now,
        terminal=terminal,
    )
    session.add(record)
    session.flush()
    return token, record


def end_sessions_of(session: Session, staff_id: int, now: datetime, reason: str) -> int:
    """End every open session of a person (e.g. when the account is disabled)."""
    result = session.execute(
        update(StaffSession)
        .where(StaffSession.staff_id == staff_id, StaffSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )
    return result.rowcount


def purge_finished(session: Session, before: datetime) -> int:
    """Delete records of sessions that ended, or were last used, before `before`.

    A session unused that long has long passed its idle timeout, so nothing can resume it;
    logins and logouts themselves stay in the operation log."""
    result = session.execute(
        delete(StaffSession).where(func.coalesce(StaffSession.ended_at, StaffSession.last_seen_at) < before)
    )
    return result.rowcount
