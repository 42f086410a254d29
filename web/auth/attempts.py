"""Failed logins and lockout (アカウントロック).

Password and second-factor failures count together; after the configured number
in a row the account locks for a while. Every refusal reads the same, so a caller
cannot tell an unknown ID from a wrong password or a locked account.
"""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy import update
from sqlalchemy.orm import Session

from models.credentials import verify_password
from models.security_event import SecurityEventKind, record_event
from models.staff import Staff
from web.auth.current import actor_of
from web.auth.settings import SecuritySettings

_dummy_hash: str | None = None


def refusal_message(settings: SecuritySettings) -> str:
    minutes = int(settings.lockout_duration.total_seconds() // 60)
    return (
        "ログインできませんでした。職員ID・パスワード・確認コードを確かめてください。"
        f"続けて{settings.lockout_threshold}回誤るとアカウントは{minutes}分間ロックされます。"
    )


def burn_password_check(password: str) -> None:
    """Spend the time of a real check, so an unknown ID answers as slowly as a known one."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = PasswordHasher().hash("unused-dummy-password-for-timing")
    verify_password(_dummy_hash, password)


def hold_account(session: Session, staff: Staff) -> None:
    """Serialise login attempts on one account until commit, and reload its counters.

    The no-op UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite), so
    parallel guesses queue up and each one is counted: they cannot slip past the
    lockout by arriving together.
    """
    session.execute(
        update(Staff).where(Staff.id == staff.id).values(failed_logins=Staff.failed_logins)
        .execution_options(synchronize_session=False)
    )
    session.refresh(staff)


def is_locked(staff: Staff, now: datetime) -> bool:
    return staff.locked_until is not None and staff.locked_until > now


def register_failure(
    session: Session, staff: Staff, kind: SecurityEventKind, now: datetime,
    settings: SecuritySettings,
) -> bool:
    """Count a failure of `staff`; lock the account at the threshold. True if now locked."""
    if staff.locked_until is not None and staff.locked_until <= now:
        staff.locked_until = None
        staff.failed_logins = 0
    staff.failed_logins = (staff.failed_logins or 0) + 1
    record_event(session, kind, actor=actor_of(staff), subject_id=staff.id,
                 subject_login_id=staff.login_id,
                 detail=f"連続{staff.failed_logins}回目", now=now)
    if staff.failed_logins >= settings.lockout_threshold:
        staff.locked_until = now + settings.lockout_duration
        staff.failed_logins = 0
        record_event(session, SecurityEventKind.LOCKED, actor=actor_of(staff),
                     subject_id=staff.id, subject_login_id=staff.login_id,
                     detail=f"{staff.locked_until.isoformat(timespec='seconds')} までロック",
                     now=now)
        return True
    return False


def reset_failures(staff: Staff) -> None:
    staff.failed_logins = 0
    staff.locked_until = None
