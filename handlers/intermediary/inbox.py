"""Receiving from the 中間サーバ: 照会結果 and other municipalities' 情報照会.

The web endpoint hands each request's headers and raw body to `receive` inside
one transaction and answers with the receipt's status and body. A message
delivered twice (the same message_id) is stored once; the repeat gets the same
kind of reply, so the sender stops retrying.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handlers.intermediary import protocol as p
from handlers.intermediary.config import IntermediaryConfig, IntermediaryConfigError
from handlers.intermediary.signing import (
    HEADER_IDEMPOTENCY_KEY,
    REPLAY_WINDOW,
    SignatureError,
    verify,
)
from models.incoming_query import IncomingQuery, IncomingQueryStatus
from models.intermediary_nonce import IntermediaryNonce
from models.intermediary_request import IntermediaryRequest, RequestKind, RequestStatus
from models.query_result import QueryResult

_RESULT_STATUS = {
    p.ResultStatus.ANSWERED: RequestStatus.ANSWERED,
    p.ResultStatus.NOT_FOUND: RequestStatus.NOT_FOUND,
    p.ResultStatus.WITHHELD: RequestStatus.WITHHELD,
    p.ResultStatus.MANUAL_PENDING: RequestStatus.MANUAL_PENDING,
}


@dataclass(frozen=True)
class Receipt:
    """What the endpoint answers, and what it stored."""

    http_status: int
    reply: p.Reply
    message_type: p.MessageType | None = None
    query_result_id: int | None = None
    incoming_query_id: int | None = None
    duplicate: bool = False

    @property
    def body(self) -> bytes:
        return self.reply.model_dump_json(exclude_none=True).encode("utf-8")

    @property
    def is_new_incoming_query(self) -> bool:
        """True once per incoming query: the caller starts its case then."""
        return self.incoming_query_id is not None and not self.duplicate


class DatabaseReplayGuard:
    """Nonces in the database, so that every web worker and host sees the same ones."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def first_use(self, key_id: str, nonce: str, now: datetime) -> bool:
        self._session.execute(
            delete(IntermediaryNonce).where(IntermediaryNonce.seen_at < now - 2 * REPLAY_WINDOW)
        )
        try:
            with self._session.begin_nested():
                self._session.add(IntermediaryNonce(key_id=key_id, nonce=nonce, seen_at=now))
        except IntegrityError:
            return False
        return True


def receive(
    session: Session,
    headers: Mapping[str, str],
    body: bytes,
    config: IntermediaryConfig,
    now: datetime,
) -> Receipt:
    """Verify, parse and store one message; never raises for bad input."""
    try:
        keyring = config.keyring
    except IntermediaryConfigError:  # no shared key configured: let the sender retry later
        return _refusal(503, p.ErrorCode.UNAVAILABLE, now)
    try:
        verify(headers, body, keyring, now, DatabaseReplayGuard(session))
    except SignatureError as exc:
        return _refusal(409 if exc.code is p.ErrorCode.REPLAY else 401, exc.code, now)
    try:
        message = p.ToSesshu.validate_json(body)
    except ValidationError:
        return _refusal(400, p.ErrorCode.MALFORMED, now)
    lower = {name.lower(): value for name, value in headers.items()}
    if lower.get(HEADER_IDEMPOTENCY_KEY.lower()) != message.message_id:
        return _refusal(400, p.ErrorCode.MALFORMED, now, message.message_id)
    digest = hashlib.sha256(body).hexdigest()
    if isinstance(message, p.QueryResult):
        return _store_result(session, message, body, digest, config, now)
    return _store_incoming(session, message, digest, config, now)


def _refusal(
    status: int, code: p.ErrorCode, now: datetime, message_id: str | None = None
) -> Receipt:
    kind = p.ReplyStatus.REFUSED if status in (403, 404, 422) else p.ReplyStatus.ERROR
    return Receipt(
        status,
        p.Reply(status=kind, message_id=message_id, at=now, error=p.ErrorInfo(code=code, message=code.label)),
    )


def _received(now: datetime, message_id: str, **kwargs: object) -> p.Reply:
    return p.Reply(status=p.ReplyStatus.RECEIVED, message_id=message_id, at=now, **kwargs)


def _store_result(
    session: Session,
    message: p.QueryResult,
    body: bytes,
    digest: str,
    config: IntermediaryConfig,
    now: datetime,
) -> Receipt:
    known = session.scalars(
        select(QueryResult).where(QueryResult.message_id == message.message_id)
    ).one_or_none()
    if known is not None:
        return _repeat(known.body_sha256, digest, known.id, None, message, now)
    request = session.scalars(
        select(IntermediaryRequest)
        .where(
            IntermediaryRequest.idempotency_key == message.query_message_id,
            IntermediaryRequest.kind == RequestKind.QUERY,
        )
        .with_for_update()
    ).one_or_none()
    if request is None or request.counterpart_code != message.provider_code:
        return _refusal(404, p.ErrorCode.UNKNOWN_QUERY, now, message.message_id)
    row = QueryResult(
        message_id=message.message_id,
        request_id=request.id,
        status=message.status,
        provider_code=message.provider_code,
        body_sha256=digest,
        raw=body.decode("utf-8"),
        received_at=now,
        delete_after=now + timedelta(days=config.retention_days),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # the same message, delivered concurrently, won the race
        known = session.scalars(
            select(QueryResult).where(QueryResult.message_id == message.message_id)
        ).one()
        return _repeat(known.body_sha256, digest, known.id, None, message, now)
    new_status = _RESULT_STATUS[message.status]
    # A late 手動応答待ち notice never undoes a final result.
    if not (new_status == RequestStatus.MANUAL_PENDING and RequestStatus(request.status).is_final):
        request.status = new_status
        request.completed_at = now if new_status.is_final else None
    request.query_ref = request.query_ref or message.query_ref
    return Receipt(
        200,
        _received(now, message.message_id, query_ref=message.query_ref),
        message_type=p.MessageType.QUERY_RESULT,
        query_result_id=row.id,
    )


def _store_incoming(
    session: Session,
    message: p.IncomingQuery,
    digest: str,
    config: IntermediaryConfig,
    now: datetime,
) -> Receipt:
    if message.provider_code != config.municipality_code:
        return _refusal(422, p.ErrorCode.UNKNOWN_MUNICIPALITY, now, message.message_id)
    known = session.scalars(
        select(IncomingQuery).where(IncomingQuery.message_id == message.message_id)
    ).one_or_none()
    if known is not None:
        return _repeat(known.body_sha256, digest, None, known.id, message, now)
    row = IncomingQuery(
        message_id=message.message_id,
        query_ref=message.query_ref,
        requester_code=message.requester_code,
        jimu_code=message.jimu_code,
        data_item=message.data_item,
        subject_token=message.subject_token,
        auto_response_blocked=message.auto_response_blocked,
        body_sha256=digest,
        status=IncomingQueryStatus.RECEIVED,
        received_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        known = session.scalars(
            select(IncomingQuery).where(IncomingQuery.message_id == message.message_id)
        ).one_or_none()
        if known is None:  # another message already used this query_ref
            return _refusal(422, p.ErrorCode.IDEMPOTENCY_MISMATCH, now, message.message_id)
        return _repeat(known.body_sha256, digest, None, known.id, message, now)
    return Receipt(
        202,
        _received(now, message.message_id, query_ref=message.query_ref),
        message_type=p.MessageType.INCOMING_QUERY,
        incoming_query_id=row.id,
    )


def _repeat(
    stored_digest: str,
    digest: str,
    result_id: int | None,
    incoming_id: int | None,
    message: p.QueryResult | p.IncomingQuery,
    now: datetime,
) -> Receipt:
    if stored_digest != digest:
        return _refusal(422, p.ErrorCode.IDEMPOTENCY_MISMATCH, now, message.message_id)
    return Receipt(
        200,
        _received(now, message.message_id, query_ref=message.query_ref),
        message_type=message.message_type,
        query_result_id=result_id,
        incoming_query_id=incoming_id,
        duplicate=True,
    )
