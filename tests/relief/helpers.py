"""Steps of a claim that staff take on the claim screen rather than in a task."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from handlers.relief.review import record_national_result
from models import Case, CaseMilestone, ReliefClaim, ReliefDocument


def claim_of_case(session, case_id: int) -> ReliefClaim:
    return session.scalars(select(ReliefClaim).where(ReliefClaim.case_id == case_id)).one()


def receive_all_documents(db, case_id: int, on: date = date(2026, 5, 20)) -> None:
    with db.transaction() as session:
        claim = claim_of_case(session, case_id)
        for document in session.scalars(select(ReliefDocument).where(ReliefDocument.claim_id == claim.id)):
            document.received_on = on


def national_result(walker, outcome: str, reason_code: str | None = None) -> None:
    with walker.db.transaction() as session:
        claim = claim_of_case(session, walker.case_id)
        row = record_national_result(session, claim, outcome, reason_code, date(2027, 3, 1), None)
        result_id = row.id
    walker.message("relief_national_result", {"outcome": outcome, "result_id": result_id})


def stage_of(db, case_id: int) -> str | None:
    with db.transaction() as session:
        return session.get(Case, case_id).stage


def stages(db, case_id: int) -> list[str]:
    with db.transaction() as session:
        return list(session.scalars(select(CaseMilestone.stage).where(CaseMilestone.case_id == case_id)
                                    .order_by(CaseMilestone.reached_at, CaseMilestone.id)))


def to_national_council(walker) -> None:
    """From 書類確認 with every document received to waiting for the national result."""
    receive_all_documents(walker.db, walker.case_id)
    walker.complete("check_documents", "shinsa", {"checked": "y"})
    walker.complete("committee", "shinsa", {"meeting_date": "2026-06-10", "conclusion": "cannot_deny",
                                            "opinion": "因果関係を否定できない"})
    walker.complete("forward", "shinsa", {"sent_date": "2026-06-20"})
