"""The claimant status page: 受付番号 + access code → the stages reached, nothing else.

Attempts are stored (per IP and per 受付番号) so that every web process shares the limit;
a wrong number and a wrong code get the same answer.
"""

from __future__ import annotations

import logging
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.relief.claims import code_matches
from handlers.relief.common import local_date
from models.case import Case
from models.case_milestone import CaseMilestone
from models.credentials import hash_password, verify_password
from models.relief_claim import ReliefClaim
from models.status_attempt import StatusAttempt

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StatusLimits:
    attempts: int = 5
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class StageReached:
    stage: str
    on: date


@dataclass(frozen=True)
class ClaimStatus:
    receipt_no: str
    current: str
    history: tuple[StageReached, ...]


class TooManyAttempts(Exception):
    pass


_dummy_hash: list[str] = []


def _equal_work(code: str) -> None:
    if not _dummy_hash:
        _dummy_hash.append(hash_password(secrets.token_hex(8)))
    verify_password(_dummy_hash[0], code)


def normalise_receipt_no(typed: str) -> str:
    return unicodedata.normalize("NFKC", typed or "").strip().upper()[:30]


def look_up(session: Session, receipt_no: str, code: str, ip: str, now: datetime,
            limits: StatusLimits = StatusLimits()) -> ClaimStatus | None:
    """The status, or None for any wrong number or code; TooManyAttempts past the limit.

    Every attempt is recorded, including refused ones, in the caller's transaction."""
    receipt_no = normalise_receipt_no(receipt_no)
    since = now - limits.window
    by_ip = session.scalar(select(func.count()).select_from(StatusAttempt)
                           .where(StatusAttempt.ip == ip, StatusAttempt.at > since))
    by_number = session.scalar(select(func.count()).select_from(StatusAttempt)
                               .where(StatusAttempt.receipt_no == receipt_no, StatusAttempt.at > since))
    attempt = StatusAttempt(ip=ip[:45], receipt_no=receipt_no, at=now, succeeded=False)
    session.add(attempt)
    if by_ip >= limits.attempts or by_number >= limits.attempts:
        log.warning("status page: too many attempts (ip=%s, receipt_no=%s)", ip, receipt_no)
        raise TooManyAttempts
    found = session.execute(
        select(ReliefClaim, Case).join(Case, Case.id == ReliefClaim.case_id).where(Case.case_no == receipt_no)
    ).first()
    if found is None:
        _equal_work(code)  # an unknown number takes as long to refuse as a wrong code
        log.info("status page: wrong number or code (ip=%s)", ip)
        return None
    if not code_matches(found[0], code):
        log.info("status page: wrong number or code (ip=%s)", ip)
        return None
    attempt.succeeded = True
    case = found[1]
    milestones = session.scalars(select(CaseMilestone).where(CaseMilestone.case_id == case.id)
                                 .order_by(CaseMilestone.reached_at, CaseMilestone.id))
    history = tuple(StageReached(m.stage, local_date(m.reached_at)) for m in milestones)
    return ClaimStatus(case.case_no, case.stage or "受付済", history)
