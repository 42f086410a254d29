"""書類確認 and 補正依頼: the checklist of a claim, what is missing, and the correction loop."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.registry import HandlerContext, Parameter, register
from handlers.relief.checklist import claim_deadline, required_documents
from handlers.relief.common import claim_of, local_date
from models.relief_claim import BenefitKind, ReliefClaim
from models.relief_document import ReliefCorrection, ReliefDocument

DEFAULT_CORRECTION_DAYS = 60
MAX_CORRECTION_DAYS = 365


def build_checklist(context: HandlerContext, claim_id: int) -> dict:
    """Create the checklist lines for the benefits claimed and check the 請求期限 (B類)."""
    session = context.session
    claim = claim_of(session, claim_id)
    today = local_date(context.now)
    existing = {d.code for d in documents_of(session, claim.id)}
    for document in required_documents(claim.benefit_kinds):
        if document.code not in existing:
            session.add(ReliefDocument(claim_id=claim.id, code=document.code, name=document.name,
                                       original_required=document.original))
    expired = 0
    for benefit in claim.benefits:
        benefit.deadline_on = claim_deadline(claim.category, BenefitKind(benefit.kind), claim.deadline_basis_on,
                                             claim.prior_benefits_paid)
        benefit.deadline_expired = benefit.deadline_on is not None and benefit.deadline_on < today
        expired += benefit.deadline_expired
    session.flush()
    return {"expired": expired}


def documents_of(session: Session, claim_id: int) -> list[ReliefDocument]:
    return list(session.scalars(select(ReliefDocument).where(ReliefDocument.claim_id == claim_id)
                                .order_by(ReliefDocument.id)))


def missing_documents(session: Session, claim: ReliefClaim) -> list[ReliefDocument]:
    return [d for d in documents_of(session, claim.id) if d.received_on is None]


def document_status(context: HandlerContext, claim_id: int) -> dict:
    claim = claim_of(context.session, claim_id)
    return {"missing": len(missing_documents(context.session, claim))}


def request_correction(context: HandlerContext, claim_id: int, period_days: int | None = None) -> dict:
    """補正依頼: record what is missing and by when; the letter is printed from this row.

    Returns the timer durations of the wait: the deadline and the reminder at its half."""
    session = context.session
    claim = claim_of(session, claim_id)
    days = int(period_days or DEFAULT_CORRECTION_DAYS)
    days = max(2, min(days, MAX_CORRECTION_DAYS))
    today = local_date(context.now)
    correction = ReliefCorrection(
        claim_id=claim.id, requested_on=today, due_on=today + timedelta(days=days),
        missing=[d.name for d in missing_documents(session, claim)],
    )
    session.add(correction)
    session.flush()
    return {"correction_id": correction.id, "period": f"P{days}D", "reminder": f"P{days // 2}D"}


def latest_correction(session: Session, claim_id: int) -> ReliefCorrection | None:
    return session.scalars(select(ReliefCorrection).where(ReliefCorrection.claim_id == claim_id)
                           .order_by(ReliefCorrection.id.desc())).first()


def note_reminder(context: HandlerContext, claim_id: int) -> dict:
    correction = latest_correction(context.session, claim_id)
    if correction is not None:
        correction.reminder_count += 1
    return {"reminders": correction.reminder_count if correction else 0}


def close_correction(context: HandlerContext, claim_id: int) -> dict:
    correction = latest_correction(context.session, claim_id)
    if correction is not None and correction.answered_on is None:
        correction.answered_on = local_date(context.now)
    return {"answered": True}


register("relief/build_checklist", build_checklist, ["claim_id"], "給付の種類から書類チェックリストを作り請求期限を確認する")
register("relief/document_status", document_status, ["claim_id"], "未受領の書類の数を返す")
register("relief/request_correction", request_correction, ["claim_id", Parameter("period_days", False)],
         "補正依頼を記録し、期限と督促のタイマーを返す")
register("relief/note_reminder", note_reminder, ["claim_id"], "補正の督促を記録する")
register("relief/close_correction", close_correction, ["claim_id"], "補正書類の受領を記録する")
