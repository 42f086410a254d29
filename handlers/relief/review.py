"""The review path: 調査委員会, 進達, 国の審査結果, 支給/不支給決定 and 審査請求."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.registry import HandlerContext, register
from handlers.relief.common import ReliefError, claim_of, claim_of_case, local_date, parse_day
from models.relief_claim import ReliefClaim
from models.relief_review import (
    DENIAL_REASONS,
    CommitteeOpinion,
    Forwarding,
    NationalOutcome,
    NationalResult,
    ReliefAppeal,
    ReliefDecision,
)

# 審査請求 may be made within 3 months of learning of the decision (行政不服審査法 18条);
# the case stays open a little longer so that a late-posted appeal still finds it.
APPEAL_PERIOD = "P100D"
COMMITTEE_CONCLUSIONS = {
    "cannot_deny": "因果関係を否定できない",
    "deny": "因果関係を否定する",
    "undetermined": "判断できない（国の審査に委ねる）",
}
RULINGS = ("認容", "棄却", "却下")


def record_committee(session: Session, case_id: int, meeting_on: date, conclusion: str, opinion: str,
                     now: datetime) -> int:
    """調査委員会: the meeting and the committee's opinion (the task form calls this)."""
    claim = _claim(session, case_id)
    if conclusion not in COMMITTEE_CONCLUSIONS:
        raise ReliefError(f"委員会の結論「{conclusion}」は選択肢にありません")
    row = CommitteeOpinion(claim_id=claim.id, meeting_on=meeting_on, conclusion=conclusion, opinion=opinion,
                           recorded_at=now)
    session.add(row)
    session.flush()
    return row.id


def record_forwarding(session: Session, case_id: int, sent_on: date, kind: str, note: str | None) -> int:
    """進達 (or 追加資料の送付) to the prefecture (the task form calls this)."""
    claim = _claim(session, case_id)
    row = Forwarding(claim_id=claim.id, sent_on=sent_on, kind=kind, note=note)
    session.add(row)
    session.flush()
    return row.id


def draft_decision(session: Session, case_id: int, reason: str, grade: int | None) -> None:
    """決定の起案: the reason and pension grade wait on the claim until the supervisor approves."""
    claim = _claim(session, case_id)
    claim.decision_draft = reason
    claim.disability_grade = grade


def _claim(session: Session, case_id: int) -> ReliefClaim:
    claim = claim_of_case(session, case_id)
    if claim is None:
        raise ReliefError("請求受付が済んでいない案件です")
    return claim


def record_national_result(session: Session, claim: ReliefClaim, outcome: str, reason_code: str | None,
                           notified_on: date, staff_id: int | None, note: str | None = None) -> NationalResult:
    """国の審査結果 as notified through the prefecture (entered by staff; the web layer then
    delivers the message `relief_national_result` the case waits for)."""
    outcome = NationalOutcome(outcome)
    if outcome is NationalOutcome.DENIED and reason_code not in DENIAL_REASONS:
        raise ReliefError("否認の場合は否認理由を選んでください")
    row = NationalResult(claim_id=claim.id, outcome=outcome, notified_on=notified_on, note=note or None,
                         reason_code=reason_code if outcome is NationalOutcome.DENIED else None,
                         recorded_by_id=staff_id)
    session.add(row)
    session.flush()
    return row


def latest(session: Session, model, claim_id: int):
    return session.scalars(select(model).where(model.claim_id == claim_id).order_by(model.id.desc())).first()


def record_decision(context: HandlerContext, claim_id: int, kind: str, decided_date: str) -> dict:
    """The approved decision, with the reason drafted by the examiner."""
    claim = claim_of(context.session, claim_id)
    if kind not in ("payment", "refusal"):
        raise ReliefError(f"決定の種類「{kind}」は使えません")
    row = ReliefDecision(claim_id=claim.id, kind=kind, decided_on=parse_day(decided_date, local_date(context.now)),
                         reason=claim.decision_draft)
    claim.decision_draft = None
    context.session.add(row)
    context.session.flush()
    return {"decision_id": row.id, "appeal_period": APPEAL_PERIOD}


def record_appeal(context: HandlerContext, case_id: int, filed_date: str | None) -> dict:
    """審査請求, at any stage (awaited beside the main path, keyed by case)."""
    claim = claim_of_case(context.session, case_id)
    if claim is None:
        raise ReliefError("請求受付が済んでいない案件には審査請求を記録できません")
    row = ReliefAppeal(claim_id=claim.id, filed_on=parse_day(filed_date, local_date(context.now)))
    context.session.add(row)
    context.session.flush()
    return {"appeal_id": row.id}


def record_ruling(context: HandlerContext, appeal_id: int, ruling: str, ruled_date: str) -> dict:
    appeal = context.session.get(ReliefAppeal, int(appeal_id))
    if appeal is None:
        raise ReliefError(f"審査請求（ID {appeal_id}）が見つかりません")
    if ruling not in RULINGS:
        raise ReliefError(f"裁決「{ruling}」は選択肢にありません")
    appeal.ruling, appeal.ruled_on = ruling, parse_day(ruled_date)
    return {"ruling": ruling}


register("relief/record_decision", record_decision, ["claim_id", "kind", "decided_date"],
         "支給決定または不支給決定を記録する")
register("relief/record_appeal", record_appeal, ["case_id", "filed_date"], "審査請求を記録する")
register("relief/record_ruling", record_ruling, ["appeal_id", "ruling", "ruled_date"], "審査請求の裁決を記録する")
