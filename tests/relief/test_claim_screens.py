"""The examiners' screens: claims list, claim page, letters, attachments, national result,
withdrawal and the rate table; every view of a person's data is in the access log."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from models import (
    AccessLog,
    Forwarding,
    HumanTask,
    ProcessInstance,
    ReliefAttachment,
    ReliefClaim,
    ReliefRate,
    Role,
)
from tests.auth_helpers import csrf_token
from tests.relief.conftest import CLAIMANT_NAME
from tests.relief.helpers import claim_of_case, stage_of, to_national_council

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def claim_id(walker, vaccinated, db):
    walker.start(vaccinated, "medical_cost")
    with db.transaction() as session:
        return claim_of_case(session, walker.case_id).id


@pytest.fixture
def examiner(staff_client, clock):
    client, _ = staff_client(Role.EXAMINER)
    return client


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def logged(db, action: str) -> list[AccessLog]:
    with db.transaction() as session:
        return list(session.scalars(select(AccessLog).where(AccessLog.action == action)))


def test_claim_page_shows_the_claim_and_is_logged(examiner, claim_id, vaccinated, db):
    page = examiner.get(f"/relief/claims/{claim_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert CLAIMANT_NAME in html and "受診証明書" in html and vaccinated.my_number not in html
    views = logged(db, "view")
    assert views and views[-1].atena_no == vaccinated.atena_no


def test_claims_list_shows_how_long_the_national_council_has_had_it(examiner, walker, claim_id, db, clock):
    to_national_council(walker)
    with db.transaction() as session:
        session.scalars(select(Forwarding)).one().sent_on = clock.now.date() - timedelta(days=400)
    html = examiner.get("/relief/").get_data(as_text=True)
    assert walker.case_no in html and "国審査会審議中" in html and "400 日" in html
    assert CLAIMANT_NAME not in html
    assert walker.case_no not in examiner.get("/relief/?stage=書類確認中").get_data(as_text=True)


def test_receipt_slip_issues_a_code_and_carries_no_my_number(examiner, claim_id, vaccinated, db):
    token = csrf_token(examiner, f"/relief/claims/{claim_id}")
    response = examiner.post(f"/relief/claims/{claim_id}/receipt-slip", data={"csrf_token": token})
    assert response.mimetype == "application/pdf"
    text = text_of(response.data)
    assert vaccinated.my_number not in text
    assert "受付番号" in text
    with db.transaction() as session:
        assert session.get(ReliefClaim, claim_id).access_code_hash.startswith("$argon2")
    assert logged(db, "print")


def test_attachments_are_checked_by_content_stored_outside_the_web_root_and_logged(
        app, examiner, claim_id, db):
    page = f"/relief/claims/{claim_id}"
    fake = examiner.post(f"{page}/attachments", data={
        "csrf_token": csrf_token(examiner, page), "purpose": "receipts",
        "file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "scan.pdf")}, follow_redirects=True)
    assert "PDF・JPEG・PNG" in fake.get_data(as_text=True)
    ok = examiner.post(f"{page}/attachments", data={
        "csrf_token": csrf_token(examiner, page), "purpose": "receipts",
        "file": (io.BytesIO(PNG), "receipt.pdf")}, follow_redirects=True)
    assert "添付しました" in ok.get_data(as_text=True)
    with db.transaction() as session:
        row = session.scalars(select(ReliefAttachment)).one()
    assert row.media_type == "image/png"
    stored = Path(app.instance_path) / "relief_attachments" / row.storage_key
    assert stored.read_bytes() == PNG
    assert Path(app.static_folder) not in stored.parents
    before = len(logged(db, "view"))
    shown = examiner.get(f"{page}/attachments/{row.id}")
    assert shown.data == PNG and shown.mimetype == "image/png"
    assert len(logged(db, "view")) == before + 1


def test_oversized_attachment_is_refused(examiner, claim_id, db):
    page = f"/relief/claims/{claim_id}"
    big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)
    response = examiner.post(f"{page}/attachments", data={
        "csrf_token": csrf_token(examiner, page), "purpose": "receipts",
        "file": (io.BytesIO(big), "big.pdf")}, follow_redirects=True)
    assert "大きすぎます" in response.get_data(as_text=True)
    with db.transaction() as session:
        assert session.scalars(select(ReliefAttachment)).first() is None


def test_national_result_entered_on_the_screen_reaches_the_case(examiner, walker, claim_id, db):
    to_national_council(walker)
    page = f"/relief/claims/{claim_id}"
    response = examiner.post(f"{page}/national-result", data={
        "csrf_token": csrf_token(examiner, page), "outcome": "denied", "reason_code": "2",
        "notified_on": "2027-03-01"}, follow_redirects=True)
    assert "登録しました" in response.get_data(as_text=True)
    assert stage_of(db, walker.case_id) == "否認"


def test_denial_without_reason_is_refused_and_nothing_is_kept(examiner, walker, claim_id, db):
    to_national_council(walker)
    page = f"/relief/claims/{claim_id}"
    response = examiner.post(f"{page}/national-result", data={
        "csrf_token": csrf_token(examiner, page), "outcome": "denied", "notified_on": "2027-03-01"},
        follow_redirects=True)
    assert "否認理由" in response.get_data(as_text=True)
    assert stage_of(db, walker.case_id) == "国審査会審議中"


def test_withdrawal_on_the_screen_closes_the_case(staff_client, walker, claim_id, db, clock):
    counter, _ = staff_client(Role.COUNTER)
    page = f"/relief/claims/{claim_id}"
    counter.post(f"{page}/withdrawal", data={"csrf_token": csrf_token(counter, page), "withdrawn_on": "2026-05-20",
                                             "reason": "請求者の申出（転居のため）"})
    assert stage_of(db, walker.case_id) == "取下げ"
    with db.transaction() as session:
        assert claim_of_case(session, walker.case_id).withdrawal_reason == "請求者の申出（転居のため）"
        state = session.scalars(select(ProcessInstance.state_json).where(ProcessInstance.case_id == walker.case_id)).one()
    assert "転居" not in json.dumps(json.loads(state), ensure_ascii=False)  # the reason stays out of the workflow


def test_decision_notice_carries_the_appeal_notice(examiner, walker, claim_id, db):
    from tests.relief.helpers import national_result

    to_national_council(walker)
    national_result(walker, "denied", "1")
    walker.complete("draft_refusal", "shinsa", {"decision_reason": "国の否認による"})
    walker.complete("approve_decision", "kantoku", {"approval": "approve", "decision_date": "2027-03-15"})
    response = examiner.get(f"/relief/claims/{claim_id}/letters/decision.pdf")
    assert response.mimetype == "application/pdf"
    text = text_of(response.data)
    assert "不支給決定通知書" in text and "審査請求" in text and "3か月以内" in text


def test_admin_maintains_the_rate_table(staff_client, db, clock):
    admin, _ = staff_client(Role.ADMIN)
    response = admin.post("/relief/rates/", data={"csrf_token": csrf_token(admin, "/relief/rates/"),
                                                  "fiscal_year": "2026", "code": "funeral", "amount": "215000"},
                          follow_redirects=True)
    assert "215,000" in response.get_data(as_text=True)
    with db.transaction() as session:
        assert session.scalars(select(ReliefRate.amount).where(ReliefRate.fiscal_year == 2026)).one() == 215_000


def test_vaccination_lookup_gives_the_record_number_and_is_logged(staff_client, vaccinated, db, clock):
    counter, _ = staff_client(Role.COUNTER)
    html = counter.get(f"/relief/vaccinations?atena_no={vaccinated.atena_no}&reason=その他").get_data(as_text=True)
    assert f"<td>{vaccinated.record_id}</td>" in html and "試験ワクチン" in html
    assert vaccinated.my_number not in html
    searches = logged(db, "search")
    assert searches and searches[-1].atena_no == vaccinated.atena_no


def test_counter_clerk_opens_a_claim_at_its_intake_task(staff_client, relief_process, db):
    clerk, account = staff_client(Role.COUNTER)
    assert "請求を受け付ける" in clerk.get("/relief/").get_data(as_text=True)
    response = clerk.post("/relief/claims/new", data={"csrf_token": csrf_token(clerk, "/relief/claims/new")})
    assert response.status_code == 302 and response.location.startswith("/tasks/")
    with db.transaction() as session:
        task = session.scalars(select(HumanTask).where(HumanTask.task_guid == response.location.split("/")[-1])).one()
        assert task.bpmn_id == "intake" and task.assignee_id == account.id


def test_task_screens_link_to_the_claim_page(examiner, walker, claim_id):
    guid = walker.task_guid("check_documents")
    html = examiner.get(f"/tasks/{guid}").get_data(as_text=True)
    assert f"/relief/cases/{walker.case_id}" in html
    assert examiner.get(f"/relief/cases/{walker.case_id}").location.endswith(f"/relief/claims/{claim_id}")
