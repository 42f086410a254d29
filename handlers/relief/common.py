"""Small helpers shared by the relief handlers."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.relief_claim import ReliefClaim

LOCAL_TIME = ZoneInfo("Asia/Tokyo")


class ReliefError(ValueError):
    """A relief action cannot be done; the message is Japanese and shown to staff."""


def local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TIME).date()


def parse_day(value: str | date | None, default: date | None = None) -> date | None:
    if value in (None, ""):
        return default
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ReliefError(f"日付「{value}」を読めません（YYYY-MM-DD）") from exc


def claim_of(session: Session, claim_id: int) -> ReliefClaim:
    claim = session.get(ReliefClaim, int(claim_id))
    if claim is None:
        raise ReliefError(f"救済請求（ID {claim_id}）が見つかりません")
    return claim


def claim_of_case(session: Session, case_id: int) -> ReliefClaim | None:
    """The claim of a case; None before 請求受付 has registered it."""
    return session.scalars(select(ReliefClaim).where(ReliefClaim.case_id == int(case_id))).first()
