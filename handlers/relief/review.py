"""The review path: 調査委員会, 進達, 国の審査結果, 支給/不支給決定 and 審査請求."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.registry import HandlerContext, Parameter, register
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


def record_committee(context: HandlerContext, claim_id: int, meeting_date: str, conclusion: str,
                     opinion: str) -> dict:
    claim = claim_of(context.session, claim_id)
    if conclusion not in COMMITTEE_CONCLUSIONS:
        raise ReliefError(f"委員会の結論「{conclusion}」は選択肢にありません")
    row = CommitteeOpinion(claim_id=claim.id, meeting_on=parse_day(meeting_date), conclusion=conclusion,
                           opinion=opinion or "", recorded_at=context.now)
    context.session.add(row)
    context.session.flush()
    return {"opinion_id": row.id}


def record_forwarding(context: HandlerContext, claim_id: int, sent_date: str, kind: str,
                      note: str | None = None) -> dict:
    claim = claim_of(context.session, claim_id)
    row = Forwarding(claim_id=claim.id, sent_on=parse_day(sent_date, local_date(context.now)), kind=kind,
                     note=(note or None))
    context.session.add(row)
    context.session.flush()
    return {"forwarding_id": row.id}


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


def record_decision(context: HandlerContext, claim_id: int, kind: str, decided_date: str,
                    reason: str | None = None, grade: int | str | None = None) -> dict:
    claim = claim_of(context.session, claim_id)
    if kind not in ("payment", "refusal"):
        raise ReliefError(f"決定の種類「{kind}」は使えません")
    if grade not in (None, ""):
        claim.disability_grade = int(grade)
    row = ReliefDecision(claim_id=claim.id, kind=kind, decided_on=parse_day(decided_date, local_date(context.now)),
                         reason=reason or None)
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


register("relief/record_committee", record_committee, ["claim_id", "meeting_date", "conclusion", "opinion"],
         "調査委員会の開催日と意見を記録する")
register("relief/record_forwarding", record_forwarding, ["claim_id", "sent_date", "kind", Parameter("note", False)],
         "県への進達（または追加資料の送付）を記録する")
register("relief/record_decision", record_decision,
         ["claim_id", "kind", "decided_date", Parameter("reason", False), Parameter("grade", False)],
         "支給決定または不支給決定を記録する")
register("relief/record_appeal", record_appeal, ["case_id", "filed_date"], "審査請求を記録する")
register("relief/record_ruling", record_ruling, ["appeal_id", "ruling", "ruled_date"], "審査請求の裁決を記録する")
