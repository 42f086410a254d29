"""The logged-in staff member of the current request, loaded from the server-side session.

`current_staff()` is what screens use: the `Staff` row of the person who is fully
logged in (ID + password + TOTP), or None. Loading also applies the idle and
absolute timeouts and ends the session of a disabled account.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, flash, request
from flask import session as cookie_session
from flask_login import LoginManager, UserMixin, current_user
from sqlalchemy import select, update

from models.access_log import Actor
from models.security_event import SecurityEventKind, record_event
from models.staff import Staff
from models.staff_session import SessionEnd, StaffSession, token_digest
from web import clock
from web.auth.settings import security_settings
from web.db import session as db_session

PENDING_KEY = "auth_pending"
PENDING_TTL = timedelta(minutes=10)
# last_seen_at is written at most this often, to keep requests cheap; idle time is
# therefore measured to within this interval.
TOUCH_INTERVAL = timedelta(seconds=30)

END_MESSAGES = {
    SessionEnd.IDLE: "一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。",
    SessionEnd.ABSOLUTE: "ログインから一定時間が経過したため、ログアウトしました。もう一度ログインしてください。",
    SessionEnd.DISABLED: "このアカウントは使用できなくなりました。",
}

login_manager = LoginManager()
login_manager.session_protection = "strong"


class LoggedIn(UserMixin):
    """What Flask-Login keeps for a request: the session record and its staff member."""

    def __init__(self, record: StaffSession, token: str) -> None:
        self.record = record
        self.staff: Staff = record.staff
        self._token = token

    def get_id(self) -> str:
        return self._token


@login_manager.user_loader
def _load(token: str) -> LoggedIn | None:
    db = db_session()
    record = db.scalars(
        select(StaffSession).where(StaffSession.token_hash == token_digest(token))
    ).first()
    if record is None or record.ended_at is not None:
        return None
    now = clock.now()
    settings = security_settings()
    reason = None
    if not record.staff.active:
        reason = SessionEnd.DISABLED
    elif now - record.last_seen_at > settings.idle_timeout:
        reason = SessionEnd.IDLE
    elif now - record.created_at > settings.session_max:
        reason = SessionEnd.ABSOLUTE
    if reason is not None:
        ended = db.execute(
            update(StaffSession)
            .where(StaffSession.id == record.id, StaffSession.ended_at.is_(None))
            .values(ended_at=now, end_reason=reason)
            .execution_options(synchronize_session=False)
        ).rowcount
        if ended:  # a parallel request may have ended it a moment ago
            record_event(
                db, SecurityEventKind.SESSION_EXPIRED, actor=actor_of(record.staff),
                subject_id=record.staff.id, subject_login_id=record.staff.login_id,
                detail={"idle": "無操作時間の上限", "absolute": "ログイン継続時間の上限",
                        "disabled": "アカウント失効"}[reason],
                now=now,
            )
        db.commit()
        flash(END_MESSAGES[reason], "error")
        return None
    if now - record.last_seen_at >= TOUCH_INTERVAL:
        record.last_seen_at = now
        db.commit()
    return LoggedIn(record, token)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)


def current_staff() -> Staff | None:
    """The fully logged-in staff member, or None."""
    user = current_user
    if user is None or not user.is_authenticated:
        return None
    return user.staff


def current_session_record() -> StaffSession | None:
    user = current_user
    return user.record if user is not None and user.is_authenticated else None


def terminal() -> str:
    """端末: the client's address and browser, as recorded in the logs."""
    agent = request.headers.get("User-Agent", "")
    return f"{request.remote_addr or '-'} {agent}"[:300]


def actor_of(staff: Staff | None) -> Actor:
    """The log's view of `staff` acting from this request's terminal."""
    if staff is None:
        return Actor(None, None, None, terminal())
    return Actor(staff.id, staff.full_name, staff.department.name, terminal())


def request_actor() -> Actor:
    return actor_of(current_staff())


def start_pending_login(staff: Staff, now: datetime, next_url: str | None) -> None:
    cookie_session[PENDING_KEY] = {
        "staff_id": staff.id, "at": now.timestamp(), "next": next_url,
    }


def pending_login() -> dict | None:
    pending = cookie_session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if clock.now().timestamp() - float(pending.get("at", 0)) > PENDING_TTL.total_seconds():
        cookie_session.pop(PENDING_KEY, None)
        return None
    return pending


def has_pending_login() -> bool:
    return pending_login() is not None


def note_access_denied(endpoint: str) -> None:
    """Record a refused route in the operation log (who tried what)."""
    staff = current_staff()
    db = db_session()
    record_event(
        db, SecurityEventKind.ACCESS_DENIED, actor=actor_of(staff),
        subject_id=staff.id if staff else None, subject_login_id=staff.login_id if staff else None,
        detail=f"{request.method} {request.path}（{endpoint}）", now=clock.now(),
    )
    db.commit()
