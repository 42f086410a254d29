"""Automatic deletion of raw 照会結果 after their retention period (III 6. リスク4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models.intermediary_request import IntermediaryRequest
from models.query_result import QueryResult


@dataclass(frozen=True)
class PurgedResult:
    """What was deleted, for the caller's access-log entry; holds no personal data."""

    query_result_id: int
    request_id: int
    case_id: int | None
    provider_code: str
    status: str
    received_at: datetime
    delete_after: datetime


def purge_expired_results(session: Session, now: datetime) -> list[PurgedResult]:
    """Delete every raw result whose delete_after has passed; return what went."""
    rows = session.execute(
        select(QueryResult, IntermediaryRequest.case_id)
        .join(IntermediaryRequest, IntermediaryRequest.id == QueryResult.request_id)
        .where(QueryResult.delete_after <= now)
        .order_by(QueryResult.id)
        .with_for_update(of=QueryResult, skip_locked=True)
    ).all()
    purged = [
        PurgedResult(
            query_result_id=result.id,
            request_id=result.request_id,
            case_id=case_id,
            provider_code=result.provider_code,
            status=result.status,
            received_at=result.received_at,
            delete_after=result.delete_after,
        )
        for result, case_id in rows
    ]
    if purged:
        session.execute(
            delete(QueryResult).where(QueryResult.id.in_([r.query_result_id for r in purged]))
        )
    return purged
