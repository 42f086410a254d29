"""The serialized workflow state of a claim holds ids and small decision values only: the
claimant, the medical facts, the committee's opinion, the decision's reason and the amounts
stay in Sesshu's own tables."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select

from models import (
    AllowanceMonth,
    CommitteeOpinion,
    ProcessInstance,
    ReliefDecision,
    ReliefPayment,
    ReliefReceipt,
)
from tests.relief.conftest import CLAIMANT_NAME
from tests.relief.helpers import claim_of_case, national_result, receive_all_documents

SYMPTOMS = "接種翌日から発熱と関節痛"
OPINION = "接種後の経過から因果関係を否定できない（委員会意見）"
REASON = "国の認定により支給する（起案理由）"
NOTE = "意見書の原本を同封（進達備考）"


def leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in [key, *leaves(item)]]
    if isinstance(value, list):
        return [leaf for item in value for leaf in leaves(item)]
    return [value]


def test_state_of_a_paid_claim_holds_no_personal_data_or_amounts(walker, vaccinated, db):
    walker.start(vaccinated, "medical_cost", "medical_allowance", claimant_relation="本人（試験続柄）")
    with db.transaction() as session:
        claim = claim_of_case(session, walker.case_id)
        claim_id = claim.id
        session.add_all([
            ReliefReceipt(claim_id=claim.id, paid_on=date(2023, 1, 20), amount=12_340),
            AllowanceMonth(claim_id=claim.id, month=date(2023, 5, 1), outpatient_days=4),
        ])
    receive_all_documents(db, walker.case_id)
    walker.complete("check_documents", "shinsa", {"checked": "y"})
    walker.complete("committee", "shinsa", {"meeting_date": "2026-06-10", "conclusion": "cannot_deny",
                                            "opinion": OPINION})
    walker.complete("forward", "shinsa", {"sent_date": "2026-06-20", "forward_note": NOTE})
    national_result(walker, "approved")
    walker.complete("draft_payment", "shinsa", {"decision_reason": REASON})
    walker.complete("approve_decision", "kantoku", {"approval": "approve", "decision_date": "2027-03-15"})
    walker.complete("payment", "shinsa", {"paid_date": "2027-04-10", "confirmed": "y"})

    with db.transaction() as session:
        state_json = session.scalars(select(ProcessInstance.state_json)
                                     .where(ProcessInstance.case_id == walker.case_id)).one()
        amounts = {p.amount for p in session.scalars(select(ReliefPayment).where(ReliefPayment.claim_id == claim_id))}
        # what the forms carried is kept in the case's tables instead
        assert session.scalars(select(CommitteeOpinion.opinion)).one() == OPINION
        assert session.scalars(select(ReliefDecision.reason)).one() == REASON
        assert claim_of_case(session, walker.case_id).decision_draft is None
    assert amounts == {12_340, 37_800}

    values = leaves(json.loads(state_json))
    texts = [v for v in values if isinstance(v, str)]
    for secret in (CLAIMANT_NAME, "試験続柄", vaccinated.atena_no, vaccinated.my_number, SYMPTOMS, OPINION,
                   REASON, NOTE, "2023-01-11"):
        assert not [t for t in texts if secret in t], secret
    assert not [v for v in values if v in amounts or v in {str(a) for a in amounts}]
    assert state_json.count("claim_id") >= 1  # the workflow still knows which claim it runs
