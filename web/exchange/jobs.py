"""The 中間サーバ work that runs outside engine steps: delivering prepared messages,
handing what comes back to the waiting cases, deleting expired query results and
proposing 転入者 queries.

Service tasks only *prepare* messages in the engine's transaction; these functions
deliver them after commit (from the callback endpoint, the screens and every worker
tick), so no database lock is held while the network is slow.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.exchange.common import SYSTEM_ACTOR
from handlers.exchange.settings import ExchangeSettings
from handlers.exchange.transfer_in import transfer_in_candidates
from handlers.intermediary import (
    Receipt,
    deliver,
    purge_expired_results,
    requests_to_resend,
    sender_for,
)
from handlers.intermediary.transport import SignedSender
from models.access_log import AccessAction, record_access
from models.case import Case, Procedure
from models.db import Database
from models.intermediary_request import IntermediaryRequest, RequestKind, RequestStatus
from models.provision_record import ProvisionRecord
from models.query_result import QueryResult
from workflows import service
from workflows.errors import WorkflowError

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
LOCAL = ZoneInfo("Asia/Tokyo")
RESEND_AFTER = timedelta(minutes=5)  # a failed delivery is tried again after this
REPLY_MESSAGE = "chukan_reply"  # transfer_in_history waits for it
FLAG_ACK_MESSAGE = "flag_ack"  # auto_response_block waits for it
FINAL_RESULTS = {"answered", "not_found", "withheld"}
PROPOSAL_WINDOW_DAYS = 90  # 転入 this recent are proposed for a query


def _notify(session: Session, case_id: int | None, message: str, payload: dict, clock: Clock) -> bool:
    """Hand a message to the case waiting for it; a case no longer waiting keeps going without it."""
    if case_id is None:
        return False
    case = session.get(Case, case_id)
    try:
        with session.begin_nested():
            service.send_message(session, message, case.case_no, payload, clock=clock)
    except WorkflowError as exc:
        log.info("case %s does not wait for %s: %s", case.case_no, message, exc)
        return False
    return True


# --- after the callback endpoint stored a message ----------------------------------------


def route_receipt(session: Session, receipt: Receipt, clock: Clock) -> int | None:
    """Inside the callback's transaction: a new final 照会結果 goes to its case, a new
    incoming query starts its case. A repeat does nothing. Returns the case id touched."""
    if receipt.duplicate:
        return None
    if receipt.query_result_id is not None:
        result = session.get(QueryResult, receipt.query_result_id)
        if result is None or result.status not in FINAL_RESULTS:
            return None  # 手動応答待ち: the final result follows; the case keeps waiting
        request = session.get(IntermediaryRequest, result.request_id)
        payload = {"status": result.status, "query_result_id": result.id, "request_id": request.id}
        _notify(session, request.case_id, REPLY_MESSAGE, payload, clock)
        return request.case_id
    if receipt.is_new_incoming_query:
        state = service.start_case(
            session, Procedure.INCOMING_QUERY, "incoming_query", None,
            data={"incoming_query_id": receipt.incoming_query_id}, clock=clock,
        )
        return state.case_id
    return None


# --- delivering what the cases prepared -----------------------------------------------------


def deliver_pending(
    db: Database,
    settings: ExchangeSettings,
    clock: Clock,
    *,
    case_ids: Iterable[int] | None = None,
    sender: SignedSender | None = None,
) -> int:
    """Deliver every prepared (or failed, not tried for a while) message; returns how many."""
    wanted = set(case_ids) if case_ids is not None else None
    with db.transaction() as session:
        ids = requests_to_resend(session, clock() - RESEND_AFTER)
        if wanted is not None:
            ids = [i for i in ids if session.get(IntermediaryRequest, i).case_id in wanted]
    if not ids:
        return 0
    own = sender or sender_for(settings.intermediary)
    try:
        for request_id in ids:
            deliver(db, request_id, own, clock=clock)
            with db.transaction() as session:
                after_delivery(session, request_id, clock)
    finally:
        if sender is None:
            own.close()
    return len(ids)


def after_delivery(session: Session, request_id: int, clock: Clock) -> None:
    request = session.get(IntermediaryRequest, request_id)
    status = RequestStatus(request.status)
    refusal = {"error_code": request.error_code, "error_message": request.error_message}
    if request.kind == RequestKind.QUERY and status == RequestStatus.REFUSED:
        _notify(session, request.case_id, REPLY_MESSAGE,
                {"status": "refused", "request_id": request.id, **refusal}, clock)
    elif request.kind == RequestKind.FLAG and status in (RequestStatus.ACKNOWLEDGED, RequestStatus.REFUSED):
        acknowledged = status == RequestStatus.ACKNOWLEDGED
        _notify(session, request.case_id, FLAG_ACK_MESSAGE,
                {"status": "acknowledged" if acknowledged else "refused", "ack_id": request.ack_id,
                 "request_id": request.id, **refusal}, clock)
    elif request.kind == RequestKind.ANSWER:
        record = session.scalars(
            select(ProvisionRecord).where(ProvisionRecord.request_id == request.id)
        ).one_or_none()
        if record is not None:
            record.delivery_status = status
            if status == RequestStatus.ACKNOWLEDGED:
                record.acknowledged_at = request.completed_at


# --- retention ---------------------------------------------------------------------------------


def purge_results(db: Database, clock: Clock) -> int:
    """Delete raw 照会結果 past their retention period; one access-log row per deletion."""
    with db.transaction() as session:
        now = clock()
        purged = purge_expired_results(session, now)
        for item in purged:
            case = session.get(Case, item.case_id) if item.case_id else None
            record_access(
                session, SYSTEM_ACTOR, AccessAction.UPDATE,
                atena_no=case.resident.atena_no if case and case.resident else None,
                reason="照会結果の保存期間経過による自動削除",
                detail=(f"照会結果 {item.query_result_id} を削除（案件 {case.case_no if case else 'なし'}、"
                        f"提供元 {item.provider_code}、受信 {item.received_at.isoformat()}、"
                        f"削除予定 {item.delete_after.isoformat()}）"),
                now=now,
            )
    return len(purged)


# --- 転入者 queries proposed after a registry import ------------------------------------------


def propose_transfer_in(
    db: Database, clock: Clock, *, moved_in_since: date | None = None, actor: service.Actor | None = None
) -> list[str]:
    """Open a 転入者の接種履歴照会 case for each eligible 転入者 never queried; returns case numbers.

    Each case starts at 本人確認, in the counter staff's inbox, where they decide whether to query.
    """
    today = clock().astimezone(LOCAL).date()
    since = moved_in_since or today - timedelta(days=PROPOSAL_WINDOW_DAYS)
    opened = []
    with db.transaction() as session:
        for person in transfer_in_candidates(session, since, today):
            opened.append(start_transfer_in(session, person.id, person.previous_municipality_code,
                                            actor, clock).case_no)
    return opened


def start_transfer_in(
    session: Session, resident_id: int, provider_code: str | None, actor: service.Actor | None, clock: Clock
) -> service.InstanceState:
    return service.start_case(
        session, Procedure.TRANSFER_IN, "transfer_in_history", actor, resident_id=resident_id,
        data={"resident_id": resident_id, "provider_code": provider_code}, clock=clock,
    )


def start_flag_case(
    session: Session, resident_id: int, action: str, actor: service.Actor, clock: Clock
) -> service.InstanceState:
    return service.start_case(
        session, Procedure.AUTO_RESPONSE_BLOCK, "auto_response_block", actor, resident_id=resident_id,
        data={"resident_id": resident_id, "action": action}, clock=clock,
    )


def periodic_job(settings: ExchangeSettings) -> Callable[[Database, Clock], int]:
    """What every worker tick does for the exchange: deliver, then purge."""

    def run(db: Database, clock: Clock) -> int:
        return deliver_pending(db, settings, clock) + purge_results(db, clock)

    return run
