"""The login and operation log (ログイン・操作ログ) of staff accounts.

Logins, logouts, lockouts, second-factor failures and every change to an account
(issue, roles, 個人番号 permission, disabling) with who, when and why. Append-only
and hash-chained like the access log; never holds a password or TOTP secret.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from models import hash_chain
from models.access_log import Actor
from models.base import Base, utcnow
from models.types import UTCDateTime


class SecurityEventKind(enum.StrEnum):
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    TOTP_FAILED = "totp_failed"
    LOCKED = "locked"
    LOGOUT = "logout"
    SESSION_EXPIRED = "session_expired"
    TOTP_ENROLLED = "totp_enrolled"
    RECOVERY_CODE_USED = "recovery_code_used"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an event name
    ACCESS_DENIED = "access_denied"
    ACCOUNT_CREATED = "account_created"
    ROLE_GRANTED = "role_granted"
    ROLE_REVOKED = "role_revoked"
    MY_NUMBER_GRANTED = "my_number_granted"
    MY_NUMBER_REVOKED = "my_number_revoked"
    ACCOUNT_DISABLED = "account_disabled"
    ACCOUNT_ENABLED = "account_enabled"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - an event name
    TOTP_RESET = "totp_reset"
    LOG_PURGED = "log_purged"
    DEPARTMENT_CREATED = "department_created"

    @property
    def label(self) -> str:
        return EVENT_LABELS[self]


EVENT_LABELS: dict[SecurityEventKind, str] = {
    SecurityEventKind.LOGIN: "ログイン",
    SecurityEventKind.LOGIN_FAILED: "ログイン失敗",
    SecurityEventKind.TOTP_FAILED: "確認コード誤り",
    SecurityEventKind.LOCKED: "アカウントロック",
    SecurityEventKind.LOGOUT: "ログアウト",
    SecurityEventKind.SESSION_EXPIRED: "セッション期限切れ",
    SecurityEventKind.TOTP_ENROLLED: "二要素認証の登録",
    SecurityEventKind.RECOVERY_CODE_USED: "回復コードの使用",
    SecurityEventKind.PASSWORD_CHANGED: "パスワード変更",
    SecurityEventKind.ACCESS_DENIED: "権限のない操作",
    SecurityEventKind.ACCOUNT_CREATED: "アカウント発行",
    SecurityEventKind.ROLE_GRANTED: "役割の付与",
    SecurityEventKind.ROLE_REVOKED: "役割の取消",
    SecurityEventKind.MY_NUMBER_GRANTED: "個人番号閲覧権限の付与",
    SecurityEventKind.MY_NUMBER_REVOKED: "個人番号閲覧権限の取消",
    SecurityEventKind.ACCOUNT_DISABLED: "アカウント失効",
    SecurityEventKind.ACCOUNT_ENABLED: "アカウント再有効化",
    SecurityEventKind.PASSWORD_RESET: "パスワード再設定",
    SecurityEventKind.TOTP_RESET: "二要素認証の再登録指示",
    SecurityEventKind.LOG_PURGED: "保存期間経過ログの削除",
    SecurityEventKind.DEPARTMENT_CREATED: "部署の登録",
}


class SecurityEvent(Base):
    __tablename__ = "security_event"
    __table_args__ = (
        Index("ix_security_event_subject_at", "subject_id", "at"),
        Index("ix_security_event_actor_at", "actor_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    event: Mapped[str] = mapped_column(String(40))
    # Who acted (an admin, or the person logging in); NULL for an unknown login ID.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor_name: Mapped[str | None] = mapped_column(String(100))
    # The account the event is about.
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    subject_login_id: Mapped[str | None] = mapped_column(String(40))
    terminal: Mapped[str | None] = mapped_column(String(300))
    reason: Mapped[str | None] = mapped_column(String(200))  # why (required for account changes)
    detail: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64), unique=True)

    @property
    def event_label(self) -> str:
        try:
            return SecurityEventKind(self.event).label
        except ValueError:
            return self.event


SECURITY_EVENT_CHAIN = hash_chain.ChainSpec(
    name="security_event",
    model=SecurityEvent,
    fields=("at", "event", "actor_id", "actor_name", "subject_id", "subject_login_id",
            "terminal", "reason", "detail"),
)


def record_event(
    session: Session,
    kind: SecurityEventKind,
    *,
    actor: Actor | None = None,
    subject_id: int | None = None,
    subject_login_id: str | None = None,
    terminal: str | None = None,
    reason: str | None = None,
    detail: str | None = None,
    now: datetime | None = None,
) -> SecurityEvent:
    """Append one event in the caller's transaction."""
    row = SecurityEvent(
        event=str(kind),
        actor_id=actor.staff_id if actor else None,
        actor_name=actor.staff_name if actor else None,
        subject_id=subject_id,
        subject_login_id=subject_login_id,
        terminal=terminal or (actor.terminal if actor else None),
        reason=reason,
        detail=detail,
    )

    def stamp(r: SecurityEvent) -> None:
        r.at = now or utcnow()

    return hash_chain.append(session, SECURITY_EVENT_CHAIN, row, stamp)

