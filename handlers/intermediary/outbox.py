"""Sending to the 中間サーバ: 情報照会, 自動応答不可フラグ and answers to other municipalities.

Each send is two steps. `prepare_*` writes the message (with its idempotency key)
inside the caller's transaction; `deliver` then transmits it in short
transactions of its own, so no database lock is held while the network is slow.
`deliver` may be called again for a FAILED request: the same key is reused.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.intermediary import protocol as p
from handlers.intermediary.config import IntermediaryConfig
from handlers.intermediary.subject import subject_token
from handlers.intermediary.transport import Delivery, SignedSender
from models.base import utcnow
from models.db import Database
from models.incoming_query import IncomingQuery, IncomingQueryStatus
from models.intermediary_request import IntermediaryRequest, RequestKind, RequestStatus

PATHS = {
    RequestKind.QUERY: "/v1/queries",
    RequestKind.FLAG: "/v1/flags",
    RequestKind.ANSWER: "/v1/answers",
}
VACCINATION_RECORDS = "vaccination_records"  # 予防接種の実施に関する情報


class AutoResponseBlocked(Exception):
    """An automatic answer was asked for a person whose 自動応答不可フラグ is set."""

    def __init__(self) -> None:
        super().__init__(p.ErrorCode.AUTO_RESPONSE_BLOCKED.label)


def new_message_id() -> str:
    return uuid.uuid4().hex


def sender_for(config: IntermediaryConfig) -> SignedSender:
    return SignedSender(config.base_url, config.key_id, config.require_secret(), config.retry)


def prepare_query(
    session: Session,
    config: IntermediaryConfig,
    *,
    my_number: str,
    provider_code: str,
    jimu_code: str,
    data_item: str = VACCINATION_RECORDS,
    case_id: int | None = None,
    now: datetime | None = None,
) -> IntermediaryRequest:
    """A 情報照会 about one person to the municipality that holds their records.

    The 個人番号 is turned into the 符号 here and is stored nowhere in the request.
    """
    message = p.Query(
        message_id=new_message_id(),
        sent_at=now or utcnow(),
        requester_code=config.municipality_code,
        provider_code=provider_code,
        jimu_code=jimu_code,
        data_item=data_item,
        subject_token=subject_token(my_number, config.require_token_key()),
    )
    return _store(
        session,
        RequestKind.QUERY,
        message,
        case_id=case_id,
        subject_token=message.subject_token,
        counterpart_code=provider_code,
        jimu_code=jimu_code,
        data_item=data_item,
    )


def prepare_flag(
    session: Session,
    config: IntermediaryConfig,
    *,
    my_number: str,
    action: p.FlagAction,
    data_item: str = VACCINATION_RECORDS,
    case_id: int | None = None,
    now: datetime | None = None,
) -> IntermediaryRequest:
    """Set or remove the 自動応答不可フラグ; call only after the second person confirmed."""
    message = p.Flag(
        message_id=new_message_id(),
        sent_at=now or utcnow(),
        requester_code=config.municipality_code,
        subject_token=subject_token(my_number, config.require_token_key()),
        action=action,
        data_item=data_item,
    )
    return _store(
        session,
        RequestKind.FLAG,
        message,
        case_id=case_id,
        subject_token=message.subject_token,
        data_item=data_item,
    )


def prepare_answer(
    session: Session,
    config: IntermediaryConfig,
    incoming: IncomingQuery,
    *,
    outcome: p.AnswerOutcome,
    decision: p.Decision,
    records: Sequence[p.VaccinationEntry] = (),
    reason: p.ErrorInfo | None = None,
    case_id: int | None = None,
    now: datetime | None = None,
) -> IntermediaryRequest:
    """Our answer to another municipality's query, or the 手動応答待ち notice.

    An automatic answer for a flagged person is refused here, whatever the
    caller decided: only a manual decision may release it.
    """
    if (
        decision is p.Decision.AUTOMATIC
        and incoming.auto_response_blocked
        and outcome is not p.AnswerOutcome.MANUAL_PENDING
    ):
        raise AutoResponseBlocked
    message = p.Answer(
        message_id=new_message_id(),
        sent_at=now or utcnow(),
        query_ref=incoming.query_ref,
        provider_code=config.municipality_code,
        outcome=outcome,
        decision=decision,
        records=list(records),
        reason=reason,
    )
    return _store(
        session,
        RequestKind.ANSWER,
        message,
        case_id=case_id if case_id is not None else incoming.case_id,
        subject_token=incoming.subject_token,
        counterpart_code=incoming.requester_code,
        jimu_code=incoming.jimu_code,
        data_item=incoming.data_item,
        query_ref=incoming.query_ref,
    )


def _store(
    session: Session, kind: RequestKind, message: p.Message, **columns: object
) -> IntermediaryRequest:
    request = IntermediaryRequest(
        idempotency_key=message.message_id,
        kind=kind,
        status=RequestStatus.PENDING,
        payload=message.model_dump_json(),
        attempts=0,
        **columns,
    )
    session.add(request)
    session.flush()
    return request


def deliver(
    db: Database,
    request_id: int,
    sender: SignedSender,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> IntermediaryRequest:
    """Transmit a prepared request (with retries) and record how it went.

    A request that is no longer PENDING or FAILED is returned untouched: it was
    delivered already, perhaps by another worker.
    """
    with db.transaction() as session:
        request = session.get(IntermediaryRequest, request_id)
        if request is None:
            raise LookupError(f"intermediary_request {request_id} does not exist")
        if request.status not in (RequestStatus.PENDING, RequestStatus.FAILED):
            return request
        kind, key, body = RequestKind(request.kind), request.idempotency_key, request.payload

    def count_attempt(_number: int) -> None:
        with db.transaction() as session:
            row = session.get(IntermediaryRequest, request_id, with_for_update=True)
            row.attempts += 1
            row.last_attempt_at = clock()

    delivery = sender.post(PATHS[kind], body.encode("utf-8"), key, on_attempt=count_attempt)
    with db.transaction() as session:
        request = session.get(IntermediaryRequest, request_id, with_for_update=True)
        _record(session, request, delivery, clock())
        return request


def _record(
    session: Session, request: IntermediaryRequest, delivery: Delivery, now: datetime
) -> None:
    reply = delivery.reply
    if request.kind == RequestKind.QUERY and request.status not in (
        RequestStatus.PENDING,
        RequestStatus.FAILED,
    ):
        # A result arrived while we were still retrying: the query was processed,
        # whatever the last transmission ran into.
        if reply is not None and reply.query_ref:
            request.query_ref = request.query_ref or reply.query_ref
        return
    if reply is None:
        request.status = RequestStatus.FAILED
        request.error_code = p.ErrorCode.UNAVAILABLE
        request.error_message = (delivery.error or "")[:300]
        return
    if reply.query_ref:
        request.query_ref = reply.query_ref
    if reply.status in (p.ReplyStatus.REFUSED, p.ReplyStatus.ERROR):
        request.status = (
            RequestStatus.REFUSED if reply.status is p.ReplyStatus.REFUSED else RequestStatus.FAILED
        )
        request.error_code = reply.error.code if reply.error else None
        request.error_message = reply.error.message[:300] if reply.error else None
        request.completed_at = now if request.status == RequestStatus.REFUSED else None
        return
    request.error_code = request.error_message = None
    if request.kind == RequestKind.QUERY:
        request.status = RequestStatus.ACCEPTED
        return
    request.status = RequestStatus.ACKNOWLEDGED
    request.ack_id = reply.ack_id
    request.completed_at = now
    if request.kind == RequestKind.ANSWER:
        _mark_incoming_answered(session, request, now)


def _mark_incoming_answered(session: Session, request: IntermediaryRequest, now: datetime) -> None:
    incoming = session.scalars(
        select(IncomingQuery).where(IncomingQuery.query_ref == request.query_ref)
    ).one_or_none()
    if incoming is None:
        return
    outcome = p.Answer.model_validate_json(request.payload).outcome
    incoming.status = {
        p.AnswerOutcome.PROVIDED: IncomingQueryStatus.ANSWERED,
        p.AnswerOutcome.PROVIDED_IN_PART: IncomingQueryStatus.ANSWERED,
        p.AnswerOutcome.WITHHELD: IncomingQueryStatus.WITHHELD,
        p.AnswerOutcome.MANUAL_PENDING: IncomingQueryStatus.MANUAL_PENDING,
    }[outcome]
    if outcome is not p.AnswerOutcome.MANUAL_PENDING:
        incoming.answered_at = now


def requests_to_resend(session: Session, attempted_before: datetime) -> list[int]:
    """Requests never delivered (a crash after prepare, or retries exhausted) and not tried since."""
    return list(
        session.scalars(
            select(IntermediaryRequest.id)
            .where(
                IntermediaryRequest.status.in_([RequestStatus.PENDING, RequestStatus.FAILED]),
                (IntermediaryRequest.last_attempt_at.is_(None))
                | (IntermediaryRequest.last_attempt_at < attempted_before),
            )
            .order_by(IntermediaryRequest.id)
        )
    )


def send(
    db: Database,
    config: IntermediaryConfig,
    prepare: Callable[[Session], IntermediaryRequest],
    *,
    sender: SignedSender | None = None,
) -> IntermediaryRequest:
    """Prepare and commit a request, then deliver it: for callers without a transaction."""
    with db.transaction() as session:
        request_id = prepare(session).id
    if sender is not None:
        return deliver(db, request_id, sender)
    with sender_for(config) as own:
        return deliver(db, request_id, own)
