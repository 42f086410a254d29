"""Filtering the access log and the login/operation log for auditors."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select, or_, select

from models.access_log import AccessLog
from models.security_event import SecurityEvent
from models.staff import Staff
from web.timefmt import jst_day_start


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _period(query: Select, column, date_from: date | None, date_to: date | None) -> Select:
    if date_from:
        query = query.where(column >= jst_day_start(date_from))
    if date_to:
        query = query.where(column < jst_day_start(date_to + timedelta(days=1)))
    return query


def access_log_query(
    *, atena_no: str | None, staff: str | None, action: str | None,
    date_from: date | None, date_to: date | None,
) -> Select:
    query = select(AccessLog)
    if atena_no:
        query = query.where(AccessLog.atena_no == atena_no)
    if staff:
        pattern = _like(staff)
        login_ids = select(Staff.id).where(Staff.login_id.ilike(pattern, escape="\\"))
        query = query.where(or_(AccessLog.staff_name.ilike(pattern, escape="\\"),
                                AccessLog.staff_id.in_(login_ids)))
    if action:
        query = query.where(AccessLog.action == action)
    return _period(query, AccessLog.at, date_from, date_to)


def security_log_query(
    *, staff: str | None, event: str | None, date_from: date | None, date_to: date | None,
) -> Select:
    query = select(SecurityEvent)
    if staff:
        pattern = _like(staff)
        query = query.where(or_(
            SecurityEvent.subject_login_id.ilike(pattern, escape="\\"),
            SecurityEvent.actor_name.ilike(pattern, escape="\\"),
        ))
    if event:
        query = query.where(SecurityEvent.event == event)
    return _period(query, SecurityEvent.at, date_from, date_to)
