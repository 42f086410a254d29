"""自動応答不可フラグ 設定・延長・解除: the steps of bpmn/auto_response_block.bpmn.

The request (設定・延長・解除) and the second person's confirmation (二者確認; the
engine's separate_from keeps the two people apart) are recorded by their task forms
through `record_flag_request` and `record_flag_decision`, so the reason category, the
支援措置 reference and the notes stay in `auto_response_flag_event` and never enter the
workflow's data. A confirmed setting starts blocking automatic answers at once.

exchange/send_flag             writes the flag message to the 中間サーバ (delivered after
                               commit by the exchange dispatcher)
exchange/record_flag_ack       records the 中間サーバ's acknowledgement; a removal stops
                               blocking only now
exchange/flag_reminder         a month before the 支援措置 ends: is this case's flag
                               still in force (then staff must decide 延長 or 解除)?
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.exchange import settings
from handlers.exchange.common import ExchangeError, log, resident
from handlers.exchange.settings import FLAG_REMINDER_DAYS
from handlers.intermediary import prepare_flag
from handlers.intermediary import protocol as p
from handlers.registry import HandlerContext, register
from models.access_log import AccessAction
from models.auto_response_flag import (
    AutoResponseFlag,
    AutoResponseFlagEvent,
    FlagEventAction,
    ReasonCategory,
)
from models.case import Case
from models.staff import Staff

LOCAL = ZoneInfo("Asia/Tokyo")
REASON = "自動応答不可フラグの設定・解除"
REQUEST_ACTIONS = {
    "set": FlagEventAction.REQUEST_SET,
    "extend": FlagEventAction.REQUEST_EXTEND,
    "remove": FlagEventAction.REQUEST_REMOVE,
}


def is_blocked(session: Session, resident_id: int) -> bool:
    """Whether automatic answers about the person are off (a confirmed flag not yet removed)."""
    return bool(session.scalar(
        select(AutoResponseFlag.blocking).where(AutoResponseFlag.resident_id == resident_id)
    ))


def one_year_from(start: date) -> date:
    """The last day of a 1-year 支援措置 starting on `start`."""
    try:
        return start.replace(year=start.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        return date(start.year + 1, 2, 28)


def reminder_moment(valid_to: date) -> str:
    """09:00 (Japan) a month before the end, as the timer's ISO date-time (UTC)."""
    local = datetime.combine(valid_to - timedelta(days=FLAG_REMINDER_DAYS), time(9), LOCAL)
    return local.astimezone(ZoneInfo("UTC")).isoformat()


def _flag(session: Session, resident_id: int) -> AutoResponseFlag:
    flag = session.scalars(
        select(AutoResponseFlag).where(AutoResponseFlag.resident_id == resident_id).with_for_update()
    ).one_or_none()
    if flag is None:
        flag = AutoResponseFlag(resident_id=resident_id, blocking=False)
        session.add(flag)
        session.flush()
    return flag


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class FlagStep:
    """Who records a flag request or decision, for which case, when."""

    session: Session
    case_id: int
    staff_id: int | None
    now: datetime


def case_resident_id(session: Session, case_id: int) -> int:
    resident_id = session.scalar(select(Case.resident_id).where(Case.id == case_id))
    if resident_id is None:
        raise ExchangeError("案件の対象の住民が見つかりません。")
    return resident_id


def record_flag_request(
    context: FlagStep,
    action: str,
    reason_category: str | None = None,
    support_reference: str | None = None,
    valid_from: str | None = None,
    valid_to: str | None = None,
    note: str | None = None,
) -> dict:
    """Record what the first person asks; returns the small values the workflow carries."""
    session = context.session
    person = resident(session, case_resident_id(session, context.case_id))
    if action not in REQUEST_ACTIONS:
        raise ExchangeError("フラグの操作（設定・延長・解除）が正しくありません。")
    flag = _flag(session, person.id)
    staff = context.session.get(Staff, context.staff_id) if context.staff_id else None
    start, end = _day(valid_from), _day(valid_to)
    if action == "set":
        if reason_category not in set(ReasonCategory) or not (support_reference or "").strip() or start is None:
            raise ExchangeError("理由区分・支援措置の番号・開始日をすべて入力してください。")
        end = end or one_year_from(start)
    elif not flag.blocking:
        raise ExchangeError("この住民には自動応答不可フラグが設定されていません。")
    elif action == "extend":
        if end is None or (flag.valid_to and end <= flag.valid_to):
            # Back to the person deciding, with the reason in the flag's history.
            problem = f"延長後の終了日は現在の終了日（{flag.valid_to}）より後の日付にしてください。"
            session.add(AutoResponseFlagEvent(
                resident_id=person.id, case_id=context.case_id, action=FlagEventAction.REJECTED,
                actor_id=staff.id if staff else None, at=context.now, valid_to=end,
                note=f"延長の依頼を受け付けませんでした: {problem}",
            ))
            session.flush()
            return {"request_event_id": None, "problem": problem}
        reason_category = reason_category or flag.reason_category
        support_reference = support_reference or flag.support_reference
        start = flag.valid_from
    if start and end and end < start:
        raise ExchangeError("終了日は開始日より後の日付にしてください。")
    event = AutoResponseFlagEvent(
        resident_id=person.id, case_id=context.case_id, action=REQUEST_ACTIONS[action],
        actor_id=staff.id if staff else None, at=context.now, reason_category=reason_category,
        support_reference=(support_reference or "").strip()[:60] or None, valid_from=start,
        valid_to=end, note=(note or "").strip()[:1000] or None,
    )
    session.add(event)
    session.flush()
    log(session, staff, AccessAction.UPDATE, person.atena_no, REASON,
        f"自動応答不可フラグ {REQUEST_ACTIONS[action].label}", context.now)
    return {"request_event_id": event.id, "problem": None}


def record_flag_decision(context: FlagStep, verdict: str, note: str | None = None) -> dict:
    """Record the second person's verdict on the case's latest request (設定・延長・解除)."""
    session = context.session
    person = resident(session, case_resident_id(session, context.case_id))
    flag = _flag(session, person.id)
    staff = context.session.get(Staff, context.staff_id) if context.staff_id else None
    request = session.scalars(
        select(AutoResponseFlagEvent)
        .where(AutoResponseFlagEvent.case_id == context.case_id,
               AutoResponseFlagEvent.action.in_(list(REQUEST_ACTIONS.values())))
        .order_by(AutoResponseFlagEvent.id.desc())
    ).first()
    if request is None:
        raise ExchangeError("確認する依頼が見つかりません。")
    confirmed = verdict == "confirm"
    action = next(key for key, value in REQUEST_ACTIONS.items() if value == request.action)
    session.add(AutoResponseFlagEvent(
        resident_id=person.id, case_id=context.case_id,
        action=FlagEventAction.CONFIRMED if confirmed else FlagEventAction.REJECTED,
        actor_id=staff.id if staff else None, at=context.now, reason_category=request.reason_category,
        support_reference=request.support_reference, valid_from=request.valid_from,
        valid_to=request.valid_to, note=(note or "").strip()[:1000] or None,
    ))
    reminder_at = None
    if confirmed and action == "set":
        flag.blocking = True  # from now on nothing about the person is answered automatically
        flag.reason_category, flag.support_reference = request.reason_category, request.support_reference
        flag.valid_from, flag.valid_to = request.valid_from, request.valid_to
        flag.case_id, flag.updated_at = context.case_id, context.now
    elif confirmed and action == "extend":
        flag.valid_to, flag.support_reference = request.valid_to, request.support_reference
        flag.case_id, flag.updated_at = context.case_id, context.now
        session.add(AutoResponseFlagEvent(
            resident_id=person.id, case_id=context.case_id, action=FlagEventAction.EXTENDED,
            actor_id=None, at=context.now, valid_from=flag.valid_from, valid_to=flag.valid_to,
        ))
        reminder_at = reminder_moment(flag.valid_to)
    session.flush()
    log(session, staff, AccessAction.UPDATE, person.atena_no, REASON,
        f"自動応答不可フラグ {request.action_label}の確認（{'承認' if confirmed else '不承認'}）", context.now)
    return {"confirmed": confirmed, "reminder_at": reminder_at}


def send_flag(context: HandlerContext, resident_id: int, action: str) -> dict:
    person = resident(context.session, resident_id)
    if not person.my_number:
        raise ExchangeError("個人番号が登録されていないため中間サーバに送信できません。")
    request = prepare_flag(
        context.session, settings.current().intermediary, my_number=person.my_number,
        action=p.FlagAction.REMOVE if action == "remove" else p.FlagAction.SET,
        case_id=context.case_id, now=context.now,
    )
    return {"request_id": request.id}


def record_flag_ack(context: HandlerContext, resident_id: int, action: str, ack: dict) -> dict:
    session = context.session
    person = resident(session, resident_id)
    flag = _flag(session, person.id)
    acknowledged = isinstance(ack, dict) and ack.get("status") == "acknowledged"
    if acknowledged:
        flag.server_state = "removed" if action == "remove" else "set"
        flag.ack_id = str(ack.get("ack_id") or "")[:40] or None
        if action == "remove":
            flag.blocking = False
        flag.updated_at = context.now
    session.add(AutoResponseFlagEvent(
        resident_id=person.id, case_id=context.case_id,
        action=FlagEventAction.ACKNOWLEDGED if acknowledged else FlagEventAction.REFUSED,
        actor_id=None, at=context.now,
        note=(f"受領番号 {flag.ack_id}" if acknowledged else str((ack or {}).get("error_message") or ""))[:1000],
    ))
    session.flush()
    reminder_at = reminder_moment(flag.valid_to) if acknowledged and action != "remove" and flag.valid_to else None
    return {"acknowledged": acknowledged, "reminder_at": reminder_at}


def flag_reminder(context: HandlerContext, resident_id: int) -> dict:
    session = context.session
    flag = _flag(session, resident(session, resident_id).id)
    active = flag.blocking and flag.case_id == context.case_id
    session.add(AutoResponseFlagEvent(
        resident_id=flag.resident_id, case_id=context.case_id,
        action=FlagEventAction.REMINDER if active else FlagEventAction.ENDED, actor_id=None,
        at=context.now, valid_to=flag.valid_to,
    ))
    session.flush()
    return {"active": active}


register("exchange/send_flag", send_flag, ["resident_id", "action"], "自動応答不可フラグを中間サーバに送る")
register(
    "exchange/record_flag_ack", record_flag_ack, ["resident_id", "action", "ack"],
    "中間サーバの受領確認を記録する",
)
register("exchange/flag_reminder", flag_reminder, ["resident_id"], "期限前の確認が必要か調べる")
