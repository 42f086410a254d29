"""情報照会への回答: the steps of bpmn/incoming_query.bpmn.

exchange/check_incoming   finds the person, checks the query against the city's
                          provision list and the 自動応答不可フラグ: route "automatic"
                          or "manual"
exchange/answer_incoming  writes the answer (情報提供) and its 情報提供等記録; an
                          automatic answer about a flagged person is refused here
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from handlers.exchange import settings
from handlers.exchange.common import ExchangeError, log, performer
from handlers.exchange.flags import is_blocked
from handlers.intermediary import (
    AutoResponseBlocked,
    prepare_answer,
    records_to_provide,
    resident_for_subject,
)
from handlers.intermediary import protocol as p
from handlers.registry import HandlerContext, Parameter, register
from models.access_log import AccessAction
from models.case import Case
from models.incoming_query import IncomingQuery
from models.provision_record import ProvisionRecord
from models.resident import Resident
from models.task import TaskEvent

# 照会許可用照合リスト, our side as provider: 主務省令第2条の表 第25項・第26項.
PROVISION_LIST = frozenset({("25", "vaccination_records"), ("26", "vaccination_records")})
REASON = "他市町村からの情報照会への回答"
OUTCOME_LABELS = {
    p.AnswerOutcome.PROVIDED: "提供",
    p.AnswerOutcome.PROVIDED_IN_PART: "一部提供",
    p.AnswerOutcome.WITHHELD: "提供しない",
}
CHOICES = {
    "provide": p.AnswerOutcome.PROVIDED,
    "provide_in_part": p.AnswerOutcome.PROVIDED_IN_PART,
    "withhold": p.AnswerOutcome.WITHHELD,
}


def _incoming(session: Session, incoming_query_id: int) -> IncomingQuery:
    found = session.get(IncomingQuery, int(incoming_query_id))
    if found is None:
        raise ExchangeError("情報照会が見つかりません。")
    return found


def _subject(context: HandlerContext, incoming: IncomingQuery) -> Resident | None:
    token_key = settings.current().intermediary.require_token_key()
    return resident_for_subject(context.session, incoming.subject_token, token_key, context.now)


def check_incoming(context: HandlerContext, incoming_query_id: int) -> dict:
    session = context.session
    incoming = _incoming(session, incoming_query_id)
    incoming.case_id = context.case_id
    person = _subject(context, incoming)
    if person is not None:
        case = session.get(Case, context.case_id)
        case.resident_id = person.id
    blocked = incoming.auto_response_blocked or (person is not None and is_blocked(session, person.id))
    return {
        "route": "manual" if blocked else "automatic",
        "resident_id": person.id if person else None,
        "permitted": (incoming.jimu_code, incoming.data_item) in PROVISION_LIST,
    }


def _reason(session: Session, case_id: int, note_id: int | None) -> str:
    """The reason a person gave for withholding, kept in the case history (not the workflow)."""
    if note_id is None:
        return ""
    event = session.get(TaskEvent, int(note_id))
    return (event.note or "").strip() if event is not None and event.case_id == case_id else ""


def answer_incoming(
    context: HandlerContext,
    incoming_query_id: int,
    decision: str,
    choice: str | None = None,
    dose_numbers: str | None = None,
    reason_note_id: int | None = None,
) -> dict:
    session = context.session
    incoming = _incoming(session, incoming_query_id)
    person = _subject(context, incoming)
    manual = decision == "manual"
    staff = performer(context) if manual else None
    if manual and staff is None:
        raise ExchangeError("手動応答の判断をした職員が記録されていません。")
    if not manual and (incoming.auto_response_blocked or (person and is_blocked(session, person.id))):
        raise AutoResponseBlocked
    records = records_to_provide(session, person.id, settings.current().intermediary.municipality_code) if person else []
    error: p.ErrorInfo | None = None
    if (incoming.jimu_code, incoming.data_item) not in PROVISION_LIST and not manual:
        outcome, records = p.AnswerOutcome.WITHHELD, []
        error = p.ErrorInfo(code=p.ErrorCode.NOT_PERMITTED, message=p.ErrorCode.NOT_PERMITTED.label)
    elif person is None:
        outcome, records = p.AnswerOutcome.WITHHELD, []
        error = p.ErrorInfo(code=p.ErrorCode.SUBJECT_NOT_FOUND, message=p.ErrorCode.SUBJECT_NOT_FOUND.label)
    elif not manual:
        outcome = p.AnswerOutcome.PROVIDED
    else:
        if choice not in CHOICES:
            raise ExchangeError("回答の判断（提供・一部提供・提供しない）が選ばれていません。")
        outcome = CHOICES[choice]
        if outcome is p.AnswerOutcome.PROVIDED_IN_PART:
            wanted = {int(n) for n in re.findall(r"\d+", dose_numbers or "")}
            records = [r for r in records if r.dose_number in wanted]
        elif outcome is p.AnswerOutcome.WITHHELD:
            records = []
        if outcome is not p.AnswerOutcome.PROVIDED:
            note = _reason(session, context.case_id, reason_note_id)[:200] or p.ErrorCode.WITHHELD.label
            error = p.ErrorInfo(code=p.ErrorCode.WITHHELD, message=note)
    request = prepare_answer(
        session, settings.current().intermediary, incoming, outcome=outcome,
        decision=p.Decision.MANUAL if manual else p.Decision.AUTOMATIC, records=records, reason=error,
        case_id=context.case_id, now=context.now,
    )
    session.add(ProvisionRecord(
        incoming_query_id=incoming.id, case_id=context.case_id, request_id=request.id,
        resident_id=person.id if person else None, requester_code=incoming.requester_code,
        jimu_code=incoming.jimu_code, data_item=incoming.data_item, outcome=outcome.value,
        decision="manual" if manual else "automatic", decided_by_id=staff.id if staff else None,
        decided_at=context.now,
        provided=[{"dose_number": r.dose_number, "vaccinated_on": r.vaccinated_on.isoformat(),
                   "product": r.product} for r in records],
        reason=error.message if error else None, delivery_status=request.status,
    ))
    session.flush()
    if person is not None:
        log(session, staff, AccessAction.EXPORT, person.atena_no, REASON,
            f"情報提供（{OUTCOME_LABELS[outcome]}、"
            f"照会者 {incoming.requester_code}、{len(records)} 件、"
            f"{'手動' if manual else '自動'}）", context.now)
    return {"request_id": request.id, "outcome": outcome.value, "provided": len(records)}


register("exchange/check_incoming", check_incoming, ["incoming_query_id"], "情報照会の対象者・照合リスト・フラグを確認する")
register(
    "exchange/answer_incoming", answer_incoming,
    ["incoming_query_id", "decision", Parameter("choice", required=False),
     Parameter("dose_numbers", required=False), Parameter("reason_note_id", required=False)],
    "情報照会に回答する（情報提供等記録を残す）",
)
