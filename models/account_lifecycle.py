"""Issuing and revoking staff accounts (発行管理・失効管理).

Every change names who made it, when and why, in the login and operation log.
Accounts are never deleted: a person who leaves or transfers is disabled, which
also ends their open sessions.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models.access_log import Actor
from models.credentials import hash_password
from models.security_event import SecurityEventKind, record_event
from models.staff import Department, Role, Staff, StaffRole
from models.staff_session import SessionEnd, end_sessions_of
from models.totp import RecoveryCode

LOGIN_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{2,39}")


class AccountError(ValueError):
    """The change cannot be made; the message is Japanese."""


def _event(session: Session, kind: SecurityEventKind, actor: Actor, staff: Staff, reason: str,
           now: datetime, detail: str | None = None) -> None:
    record_event(session, kind, actor=actor, subject_id=staff.id,
                 subject_login_id=staff.login_id, reason=reason, detail=detail, now=now)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise AccountError("変更の理由を入力してください。")
    return reason


def create_department(session: Session, actor: Actor, *, code: str, name: str, reason: str,
                      now: datetime) -> Department:
    reason = _require_reason(reason)
    code = code.strip().upper()
    name = name.strip()
    if not re.fullmatch(r"[A-Z0-9_-]{1,20}", code):
        raise AccountError("部署コードは英大文字・数字・_ - で20文字以内にしてください。")
    if not name:
        raise AccountError("部署名を入力してください。")
    if session.scalar(select(func.count()).select_from(Department).where(Department.code == code)):
        raise AccountError("この部署コードは既に使われています。")
    department = Department(code=code, name=name)
    session.add(department)
    session.flush()
    record_event(session, SecurityEventKind.DEPARTMENT_CREATED, actor=actor, reason=reason,
                 detail=f"{code}: {name}", now=now)
    return department


def issue_account(
    session: Session, actor: Actor, *, login_id: str, full_name: str, department_id: int,
    roles: set[Role], may_view_my_number: bool, initial_password: str, reason: str,
    now: datetime,
) -> Staff:
    """Issue a personal account; the person must replace the initial password at first login."""
    reason = _require_reason(reason)
    login_id = login_id.strip()
    full_name = full_name.strip()
    if not LOGIN_ID_PATTERN.fullmatch(login_id):
        raise AccountError("職員IDは英数字と . _ - で3〜40文字にしてください。")
    if not full_name:
        raise AccountError("氏名を入力してください（共用アカウントは発行できません）。")
    taken = session.scalar(
        select(func.count()).select_from(Staff).where(func.lower(Staff.login_id) == login_id.lower())
    )
    if taken:
        raise AccountError("この職員IDは既に使われています。")
    department = session.get(Department, department_id)
    if department is None:
        raise AccountError("部署を選んでください。")
    staff = Staff(
        login_id=login_id, full_name=full_name, department=department,
        password_hash=hash_password(initial_password), may_view_my_number=may_view_my_number,
        must_change_password=True, active=True, failed_logins=0, created_at=now,
    )
    staff.role_grants = [StaffRole(role=role.value, granted_at=now) for role in sorted(roles)]
    session.add(staff)
    session.flush()
    labels = "、".join(r.label for r in sorted(roles)) or "なし"
    _event(session, SecurityEventKind.ACCOUNT_CREATED, actor, staff, reason, now,
           f"氏名: {full_name} / 部署: {department.name} / 役割: {labels} / "
           f"個人番号閲覧権限: {'あり' if may_view_my_number else 'なし'}")
    return staff


def change_permissions(
    session: Session, actor: Actor, staff: Staff, *, roles: set[Role], may_view_my_number: bool,
    reason: str, now: datetime,
) -> int:
    """Grant and revoke roles and the 個人番号 permission; returns how many things changed."""
    reason = _require_reason(reason)
    if staff.id == actor.staff_id and Role.ADMIN in staff.roles and Role.ADMIN not in roles:
        raise AccountError("自分自身のシステム管理者の役割は取り消せません。")
    changes = 0
    current = staff.roles
    for role in sorted(roles - current):
        staff.role_grants.append(StaffRole(role=role.value, granted_at=now))
        _event(session, SecurityEventKind.ROLE_GRANTED, actor, staff, reason, now, role.label)
        changes += 1
    for grant in [g for g in staff.role_grants if Role(g.role) in current - roles]:
        staff.role_grants.remove(grant)
        _event(session, SecurityEventKind.ROLE_REVOKED, actor, staff, reason, now,
               Role(grant.role).label)
        changes += 1
    if may_view_my_number != staff.may_view_my_number:
        staff.may_view_my_number = may_view_my_number
        kind = (SecurityEventKind.MY_NUMBER_GRANTED if may_view_my_number
                else SecurityEventKind.MY_NUMBER_REVOKED)
        _event(session, kind, actor, staff, reason, now)
        changes += 1
    session.flush()
    return changes


def disable_account(session: Session, actor: Actor, staff: Staff, *, reason: str,
                    now: datetime) -> None:
    """失効: the account can no longer log in, and its open sessions end now."""
    reason = _require_reason(reason)
    if staff.id == actor.staff_id:
        raise AccountError("自分自身のアカウントは失効できません。")
    if not staff.active:
        raise AccountError("このアカウントは既に失効しています。")
    staff.active = False
    ended = end_sessions_of(session, staff.id, now, SessionEnd.DISABLED)
    _event(session, SecurityEventKind.ACCOUNT_DISABLED, actor, staff, reason, now,
           f"終了したセッション: {ended}")


def enable_account(session: Session, actor: Actor, staff: Staff, *, reason: str,
                   now: datetime) -> None:
    reason = _require_reason(reason)
    if staff.active:
        raise AccountError("このアカウントは有効です。")
    staff.active = True
    staff.failed_logins = 0
    staff.locked_until = None
    _event(session, SecurityEventKind.ACCOUNT_ENABLED, actor, staff, reason, now)


def reset_password(session: Session, actor: Actor, staff: Staff, *, new_password: str,
                   reason: str, now: datetime) -> None:
    """Set a temporary password the person must replace; open sessions end."""
    reason = _require_reason(reason)
    staff.password_hash = hash_password(new_password)
    staff.must_change_password = True
    staff.failed_logins = 0
    staff.locked_until = None
    end_sessions_of(session, staff.id, now, SessionEnd.REVOKED)
    _event(session, SecurityEventKind.PASSWORD_RESET, actor, staff, reason, now)


def reset_totp(session: Session, actor: Actor, staff: Staff, *, reason: str,
               now: datetime) -> None:
    """Forget the authenticator (e.g. a lost phone): the person enrols again at next login."""
    reason = _require_reason(reason)
    staff.totp_secret = None
    staff.totp_last_step = None
    for code in session.scalars(select(RecoveryCode).where(RecoveryCode.staff_id == staff.id)):
        session.delete(code)
    end_sessions_of(session, staff.id, now, SessionEnd.REVOKED)
    _event(session, SecurityEventKind.TOTP_RESET, actor, staff, reason, now)


def unused_accounts(session: Session, now: datetime, days: int) -> list[Staff]:
    """Active accounts with no login for `days` days (never-used ones counted from issue)."""
    cutoff = now - timedelta(days=days)
    return list(session.scalars(
        select(Staff)
        .where(
            Staff.active.is_(True),
            or_(
                Staff.last_login_at < cutoff,
                Staff.last_login_at.is_(None) & (Staff.created_at < cutoff),
            ),
        )
        .order_by(Staff.last_login_at.is_not(None), Staff.last_login_at, Staff.login_id)
    ))
