"""Small helpers shared by the exchange handlers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from handlers.registry import HandlerContext
from models.access_log import AccessAction, Actor, record_access
from models.resident import Resident
from models.staff import Staff

SYSTEM_ACTOR = Actor(None, "システム（中間サーバ連携）", None, None)


class ExchangeError(Exception):
    """A step cannot go on; the message (Japanese) tells staff why."""


def performer(context: HandlerContext) -> Staff | None:
    """The staff member whose completed task led to this step (None: the system)."""
    return context.session.get(Staff, context.actor_id) if context.actor_id else None


def actor_for(staff: Staff | None) -> Actor:
    if staff is None:
        return SYSTEM_ACTOR
    return Actor(staff.id, staff.full_name, staff.department.name, "ワークフロー")


def resident(session: Session, resident_id: int) -> Resident:
    found = session.get(Resident, int(resident_id))
    if found is None:
        raise ExchangeError("対象の住民が見つかりません。")
    return found


def log(
    session: Session,
    staff: Staff | None,
    action: AccessAction,
    atena_no: str,
    reason: str,
    detail: str,
    now: datetime,
) -> None:
    record_access(session, actor_for(staff), action, atena_no=atena_no, reason=reason, detail=detail, now=now)
