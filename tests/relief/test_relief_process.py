"""The 健康被害救済 claim through the engine, from 請求受付 to payment and every side path."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models import (
    AllowanceMonth,
    Case,
    PensionInstalment,
    ReliefAppeal,
    ReliefCorrection,
    ReliefDecision,
    ReliefDocument,
    ReliefPayment,
    ReliefReceipt,
)
from tests.relief.helpers import (
    claim_of_case,
    national_result,
    receive_all_documents,
    stage_of,
    stages,
    to_national_council,
)
from workflows import timers
from workflows.errors import FormInvalid, SeparationOfDutiesViolation


def approve(walker, supervisor: str = "kantoku") -> None:
    walker.complete("approve_decision", supervisor, {"approval": "approve", "decision_date": "2027-03-15"})


def test_medical_cost_and_allowance_claim_reaches_payment(walker, vaccinated, db):
    walker.start(vaccinated, "medical_cost", "medical_allowance")
    assert stage_of(db, walker.case_id) == "書類確認中"
    with db.transaction() as session:
        claim = claim_of_case(session, walker.case_id)
        assert claim.claimant_name == "試験　花子" and claim.vaccination.id == vaccinated.record_id
        session.add_all([
            ReliefReceipt(claim_id=claim.id, paid_on=date(2023, 1, 20), amount=12_340),
            ReliefReceipt(claim_id=claim.id, paid_on=date(2023, 2, 3), amount=4_560),
            AllowanceMonth(claim_id=claim.id, month=date(2023, 5, 1), outpatient_days=2),
            AllowanceMonth(claim_id=claim.id, month=date(2023, 6, 1), outpatient_days=4, inpatient_days=1),
        ])
        claim_id = claim.id
    to_national_council(walker)
    assert stage_of(db, walker.case_id) == "国審査会審議中"
    national_result(walker, "approved")
    assert stage_of(db, walker.case_id) == "認定"
    walker.complete("draft_payment", "shinsa", {"decision_reason": "国の認定による"})
    approve(walker)
    assert stage_of(db, walker.case_id) == "支給決定通知済"
    with db.transaction() as session:
        due = {p.benefit: p.amount for p in session.scalars(select(ReliefPayment).where(ReliefPayment.claim_id == claim_id))}
    assert due == {"medical_cost": 16_900, "medical_allowance": 35_800 + 37_800}
    walker.complete("payment", "shinsa", {"paid_date": "2027-04-10", "confirmed": "y"})
    with db.transaction() as session:
        case = session.get(Case, walker.case_id)
        assert case.status == "closed" and case.stage == "支払済"
        assert all(p.paid_on == date(2027, 4, 10) for p in session.scalars(select(ReliefPayment)))
    assert stages(db, walker.case_id) == [
        "受付済", "書類確認中", "市調査委員会審議中", "県経由で国へ進達済", "国審査会審議中", "認定",
        "支給決定通知済", "支払済",
    ]


def test_death_lump_sum_and_funeral_claim(walker, vaccinated, db):
    walker.start(vaccinated, "death_lump_sum", "funeral", claimant_type="bereaved", claimant_relation="配偶者")
    with db.transaction() as session:
        claim = claim_of_case(session, walker.case_id)
        checklist = {d.code for d in session.scalars(select(ReliefDocument).where(ReliefDocument.claim_id == claim.id))}
    to_national_council(walker)
    national_result(walker, "approved")
    walker.complete("draft_payment", "shinsa", {"decision_reason": "国の認定による"})
    approve(walker)
    with db.transaction() as session:
        due = {p.benefit: p.amount for p in session.scalars(select(ReliefPayment))}
    assert due == {"death_lump_sum": 45_300_000, "funeral": 212_000}
    assert {"form_death", "form_funeral", "death_certificate", "burial_permit", "family_register"} <= checklist
    assert "consultation" not in checklist and "diagnosis" not in checklist
    walker.complete("payment", "shinsa", {"paid_date": "2027-04-10", "confirmed": "y"})
    assert stage_of(db, walker.case_id) == "支払済"


def test_pension_is_scheduled_in_instalments(walker, vaccinated, db):
    walker.start(vaccinated, "disability_pension")
    to_national_council(walker)
    national_result(walker, "approved")
    walker.complete("draft_payment", "shinsa", {"decision_reason": "国の認定による", "disability_grade": "2"})
    approve(walker)
    walker.complete("payment", "shinsa", {"paid_date": "2027-04-10", "confirmed": "y"})
    with db.transaction() as session:
        instalments = list(session.scalars(select(PensionInstalment).order_by(PensionInstalment.due_on)))
        assert sum(i.amount for i in instalments) == 4_138_800
        assert len(instalments) == 6 and instalments[0].paid_on == date(2027, 4, 10)
        assert all(i.paid_on is None for i in instalments[1:])
    assert stage_of(db, walker.case_id) == "年金支給中"


def test_correction_survives_many_passes(walker, vaccinated, db):
    walker.start(vaccinated, "medical_cost")
    for _ in range(25):
        walker.complete("check_documents", "shinsa", {"checked": "y"})
        assert stage_of(db, walker.case_id) == "補正依頼中"
        walker.complete("await_documents", "madoguchi", {"received": "y"})
    receive_all_documents(db, walker.case_id)
    walker.complete("check_documents", "shinsa", {"checked": "y"})
    assert walker.ready() == ["committee"]
    with db.transaction() as session:
        corrections = list(session.scalars(select(ReliefCorrection)))
        assert len(corrections) == 25 and all(c.answered_on for c in corrections)
        assert "受診証明書" in corrections[0].missing


def test_correction_times_out_and_is_withdrawn(walker, vaccinated, db, moving_clock):
    walker.start(vaccinated, "medical_cost")
    walker.complete("check_documents", "shinsa", {"checked": "y"})
    assert walker.ready() == ["await_documents"]
    moving_clock.advance(days=30, seconds=1)
    with db.transaction() as session:
        assert timers.run_due_timers(session, moving_clock) == 1
    assert walker.ready() == ["await_documents", "send_reminder"]
    walker.complete("send_reminder", "madoguchi", {"sent": "y"})
    moving_clock.advance(days=30)
    with db.transaction() as session:
        assert timers.run_due_timers(session, moving_clock) == 1
    assert walker.ready() == ["correction_expired"]
    walker.complete("correction_expired", "madoguchi", {"expiry_action": "withdraw"})
    with db.transaction() as session:
        case = session.get(Case, walker.case_id)
        assert case.status == "closed" and case.stage == "取下げ"
        claim = claim_of_case(session, walker.case_id)
        assert claim.withdrawn_on == date(2026, 7, 10) and "補正期限" in claim.withdrawal_reason
        assert session.scalars(select(ReliefCorrection)).one().reminder_count == 1


def test_expired_correction_can_be_renewed_with_a_reminder(walker, vaccinated, db, moving_clock):
    walker.start(vaccinated, "medical_cost")
    walker.complete("check_documents", "shinsa", {"checked": "y", "correction_days": "20"})
    moving_clock.advance(days=21)
    with db.transaction() as session:
        timers.run_due_timers(session, moving_clock)
    walker.complete("correction_expired", "madoguchi", {"expiry_action": "remind"})
    assert "await_documents" in walker.ready()
    assert stage_of(db, walker.case_id) == "補正依頼中"


def test_deferred_then_recognised(walker, vaccinated, db):
    walker.start(vaccinated, "medical_allowance")
    to_national_council(walker)
    national_result(walker, "deferred")
    assert stage_of(db, walker.case_id) == "保留（追加資料依頼）"
    walker.complete("additional_material", "shinsa", {"sent_date": "2027-04-01"})
    assert stage_of(db, walker.case_id) == "国審査会審議中"
    national_result(walker, "approved")
    assert walker.ready() == ["draft_payment"]
    assert stage_of(db, walker.case_id) == "認定"


def test_denial_ends_with_refusal_decision_and_appeal_window(walker, vaccinated, db, moving_clock):
    walker.start(vaccinated, "medical_cost")
    to_national_council(walker)
    national_result(walker, "denied", "1")
    assert stage_of(db, walker.case_id) == "否認"
    walker.complete("draft_refusal", "shinsa", {"decision_reason": "国の否認による"})
    approve(walker)
    assert stage_of(db, walker.case_id) == "不支給決定通知済"
    with db.transaction() as session:
        decision = session.scalars(select(ReliefDecision)).one()
        assert decision.kind == "refusal" and decision.decided_on == date(2027, 3, 15)
        assert session.get(Case, walker.case_id).status == "open"  # waiting out the appeal period
    moving_clock.advance(days=101)
    with db.transaction() as session:
        timers.run_due_timers(session, moving_clock)
        assert session.get(Case, walker.case_id).status == "closed"


def test_denial_needs_a_reason_code(walker, vaccinated, db):
    walker.start(vaccinated, "medical_cost")
    to_national_council(walker)
    with pytest.raises(ValueError, match="否認理由"):
        national_result(walker, "denied", None)


def test_supervisor_who_drafted_the_decision_may_not_approve_it(walker, vaccinated, db):
    walker.start(vaccinated, "medical_cost")
    to_national_council(walker)
    national_result(walker, "approved")
    walker.complete("draft_payment", "shinsa_kantoku", {"decision_reason": "国の認定による"})
    with pytest.raises(SeparationOfDutiesViolation):
        approve(walker, "shinsa_kantoku")
    approve(walker, "kantoku")
    assert stage_of(db, walker.case_id) == "支給決定通知済"


def test_returned_approval_goes_back_to_the_draft(walker, vaccinated, db):
    walker.start(vaccinated, "medical_cost")
    to_national_council(walker)
    national_result(walker, "approved")
    walker.complete("draft_payment", "shinsa", {"decision_reason": "初稿"})
    walker.complete("approve_decision", "kantoku", {"approval": "return", "decision_date": "2027-03-15"})
    assert walker.ready() == ["draft_payment"]


def test_appeal_recorded_mid_way(walker, vaccinated, db):
    walker.start(vaccinated, "medical_cost")
    to_national_council(walker)
    walker.message("relief_appeal", {"filed_on": "2027-01-05"})
    assert stage_of(db, walker.case_id) == "審査請求中"
    national_result(walker, "approved")  # the main path goes on meanwhile
    assert walker.ready() == ["draft_payment"]
    walker.message("relief_appeal", {"filed_on": "2027-02-05"})  # a second one is awaited too
    with db.transaction() as session:
        assert [a.filed_on for a in session.scalars(select(ReliefAppeal).order_by(ReliefAppeal.id))] == [
            date(2027, 1, 5), date(2027, 2, 5)]
    assert "審査請求中" in stages(db, walker.case_id)


def test_withdrawal_at_any_stage_cancels_open_work(walker, vaccinated, db):
    walker.start(vaccinated, "medical_cost")
    receive_all_documents(db, walker.case_id)
    walker.complete("check_documents", "shinsa", {"checked": "y"})
    walker.message("relief_withdrawal", {"withdrawn_on": "2026-06-01", "reason": "請求者の申出"})
    assert walker.ready() == []
    with db.transaction() as session:
        case = session.get(Case, walker.case_id)
        assert case.status == "closed" and case.stage == "取下げ"
        assert claim_of_case(session, walker.case_id).withdrawn_on == date(2026, 6, 1)


def test_voluntary_vaccination_is_referred_to_pmda(walker, vaccinated, db):
    walker.start(vaccinated, category="voluntary")
    with db.transaction() as session:
        case = session.get(Case, walker.case_id)
        assert case.status == "closed" and case.stage == "PMDAの救済制度へ案内済（終了）"
        assert claim_of_case(session, walker.case_id).referred_out_on is not None


def test_intake_refuses_an_unknown_person_and_keeps_nothing(walker, vaccinated, db):
    with pytest.raises(FormInvalid) as refused:
        walker.start(vaccinated, "medical_cost", atena_no="999999999999")
    assert "宛名番号" in str(refused.value.errors)
    assert walker.ready() == ["intake"]


def test_routine_b_claim_checks_the_deadline(walker, vaccinated, db):
    walker.start(vaccinated, "medical_cost", category="routine_b", deadline_basis_date="2020-01-10")
    with db.transaction() as session:
        benefit = claim_of_case(session, walker.case_id).benefits[0]
        assert benefit.deadline_on == date(2025, 1, 10) and benefit.deadline_expired
