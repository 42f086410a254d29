"""The exchange screens: who sees the flag, that every view is logged, starting cases,
the 個別通知 PDF, and proposing 転入者 queries after a registry import."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from models import AccessLog, Case, HumanTask, NoticeLetter
from models.case import Procedure
from models.staff import Role
from tests.auth_helpers import csrf_token
from tests.exchange.conftest import HAKUSAN
from web.exchange import jobs


def logged(db, atena_no: str) -> list[AccessLog]:
    with db.transaction() as session:
        return session.scalars(select(AccessLog).where(AccessLog.atena_no == atena_no).order_by(AccessLog.id)).all()


def test_only_flag_officers_and_supervisors_see_the_flag_and_each_view_is_logged(app, db, staff_client, people):
    person = people(30)
    officer, _ = staff_client(Role.FLAG_OFFICER)
    clerk, _ = staff_client(Role.COUNTER)
    url = f"/exchange/residents/{person.atena_no}/flag"
    assert clerk.get(url).status_code == 403
    page = officer.get(url)
    assert page.status_code == 200 and "設定なし" in page.get_data(as_text=True)
    [row] = logged(db, person.atena_no)
    assert row.action == "view" and "自動応答不可フラグ" in row.reason
    assert person.my_number not in page.get_data(as_text=True)


def test_a_flag_officer_starts_a_setting_and_lands_on_the_request_task(app, db, staff_client, people):
    person = people(31)
    officer, _ = staff_client(Role.FLAG_OFFICER)
    url = f"/exchange/residents/{person.atena_no}/flag"
    response = officer.post(url, data={"action": "set", "csrf_token": csrf_token(officer, url)})
    assert response.status_code == 302
    with db.transaction() as session:
        task = session.scalars(select(HumanTask)).one()
        assert task.bpmn_id == "request_flag" and task.role == Role.FLAG_OFFICER
        assert response.headers["Location"] == f"/tasks/{task.task_guid}"
    # Removing a flag that is not set is refused with a message, and starts nothing.
    refused = officer.post(url, data={"action": "remove", "csrf_token": csrf_token(officer, url)},
                           follow_redirects=True)
    assert "解除できません" in refused.get_data(as_text=True)
    with db.transaction() as session:
        assert len(session.scalars(select(Case)).all()) == 1


def test_an_incoming_query_case_is_hidden_from_counter_staff(app, db, staff_client, people):
    person = people(32)
    with db.transaction() as session:
        case = Case(case_no="R8-QUERY-000001", procedure=Procedure.INCOMING_QUERY, resident_id=person.id)
        session.add(case)
        session.flush()
        case_id = case.id
    clerk, _ = staff_client(Role.COUNTER)
    officer, _ = staff_client(Role.FLAG_OFFICER)
    assert clerk.get(f"/exchange/cases/{case_id}").status_code == 403
    assert officer.get(f"/exchange/cases/{case_id}").status_code == 200
    assert [r.action for r in logged(db, person.atena_no)] == ["view"]


def test_the_notice_pdf_is_served_and_its_printing_logged(app, db, staff_client, people):
    person = people(33)
    with db.transaction() as session:
        case = Case(case_no="R8-XFER-000001", procedure=Procedure.TRANSFER_IN, resident_id=person.id)
        session.add(case)
        session.flush()
        letter = NoticeLetter(case_id=case.id, resident_id=person.id, summary="定期接種", pdf=b"%PDF-1.4 test")
        session.add(letter)
        session.flush()
        letter_id = letter.id
    clerk, _ = staff_client(Role.COUNTER)
    response = clerk.get(f"/exchange/notices/{letter_id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert [r.action for r in logged(db, person.atena_no)] == ["print"]


def test_recent_transfer_ins_of_the_eligible_age_are_proposed_once(app, db, cli, people):
    today = datetime.now(UTC).date()
    older = people(34, born=date(1950, 1, 1), moved_in=today - timedelta(days=10))
    people(35, born=date(1995, 1, 1), moved_in=today - timedelta(days=10))  # too young
    people(36, born=date(1950, 1, 1), moved_in=today - timedelta(days=400))  # long ago
    result = cli.invoke(args=["exchange", "propose-transfer-in"])
    assert result.exit_code == 0, result.output
    assert "1 件" in result.output
    with db.transaction() as session:
        [case] = session.scalars(select(Case)).all()
        assert case.resident_id == older.id and case.procedure == Procedure.TRANSFER_IN
        task = session.scalars(select(HumanTask)).one()
        assert (task.bpmn_id, task.role) == ("verify_identity", Role.COUNTER)
    assert jobs.propose_transfer_in(db, lambda: datetime.now(UTC)) == []
    assert older.previous_municipality_code == HAKUSAN


def test_the_purge_command_deletes_expired_results_and_logs_each(app, db, cli, people):
    from models import IntermediaryRequest, QueryResult

    person = people(37)
    past = datetime.now(UTC) - timedelta(days=31)
    with db.transaction() as session:
        case = Case(case_no="R8-XFER-000009", procedure=Procedure.TRANSFER_IN, resident_id=person.id)
        session.add(case)
        session.flush()
        request = IntermediaryRequest(idempotency_key="k" * 32, kind="query", status="answered", case_id=case.id,
                                      counterpart_code=HAKUSAN, payload="{}")
        session.add(request)
        session.flush()
        for n, delete_after in enumerate((past + timedelta(days=30), datetime.now(UTC) + timedelta(days=1))):
            session.add(QueryResult(message_id=f"m{n}" * 16, request_id=request.id, status="answered",
                                    provider_code=HAKUSAN, body_sha256="0" * 64, raw="{}", received_at=past,
                                    delete_after=delete_after))
    result = cli.invoke(args=["exchange", "purge"])
    assert result.exit_code == 0 and "照会結果 1 件" in result.output, result.output
    with db.transaction() as session:
        assert len(session.scalars(select(QueryResult)).all()) == 1
    [row] = logged(db, person.atena_no)
    assert "R8-XFER-000009" in row.detail and row.staff_id is None


def ready_task(db, case_id: int, bpmn_id: str) -> str:
    with db.transaction() as session:
        return session.scalars(select(HumanTask.task_guid).where(
            HumanTask.case_id == case_id, HumanTask.bpmn_id == bpmn_id, HumanTask.state == "ready")).one()


def submit_task(client, guid: str, data: dict) -> str:
    page = client.get(f"/tasks/{guid}").get_data(as_text=True)
    revision = page.split('name="_revision" value="', 1)[1].split('"', 1)[0]
    response = client.post(f"/tasks/{guid}", data={**data, "_revision": revision,
                                                   "csrf_token": csrf_token(client, f"/tasks/{guid}")},
                           follow_redirects=True)
    return response.get_data(as_text=True)


def test_the_confirmer_sees_the_request_beside_the_form_and_the_resident_page_shows_the_flag(
    app, db, staff_client, people
):
    person = people(33)
    first, _ = staff_client(Role.FLAG_OFFICER)
    second, _ = staff_client(Role.FLAG_OFFICER)
    url = f"/exchange/residents/{person.atena_no}/flag"
    assert first.get(url).get_data(as_text=True).count('name="action"') == 1  # a browser sends each one
    first.post(url, data={"action": "set", "csrf_token": csrf_token(first, url)})
    with db.transaction() as session:
        case_id = session.scalars(select(Case.id)).one()
    submit_task(first, ready_task(db, case_id, "request_flag"), {
        "reason_category": "stalker", "support_reference": "支援第2026-0044号", "valid_from": "2026-11-01",
        "evidence_checked": "y", "note": "警察署長の意見書あり"})

    page = second.get(f"/tasks/{ready_task(db, case_id, 'confirm_flag')}").get_data(as_text=True)
    assert "ストーカー行為等" in page and "支援第2026-0044号" in page
    assert "2026-11-01 〜 2027-10-31" in page and "警察署長の意見書あり" in page

    supervisor, _ = staff_client(Role.SUPERVISOR)
    clerk, _ = staff_client(Role.COUNTER)
    for client in (supervisor, clerk):
        client.post(f"/residents/{person.id}/open", data={
            "csrf_token": csrf_token(client, "/residents/"), "reason": "本人・代理人からの問い合わせ", "reason_other": ""})
    assert "状態: 設定されていません" in supervisor.get(f"/residents/{person.id}").get_data(as_text=True)
    submit_task(second, ready_task(db, case_id, "confirm_flag"), {"verdict": "confirm", "evidence_checked": "y"})
    shown = supervisor.get(f"/residents/{person.id}").get_data(as_text=True)
    assert "状態: 設定中（2026-11-01 〜 2027-10-31、中間サーバへの登録待ち）" in shown
    assert "自動応答不可フラグ" not in clerk.get(f"/residents/{person.id}").get_data(as_text=True)
    flag_views = [row for row in logged(db, person.atena_no) if "住民の詳細画面で自動応答不可フラグ" in (row.detail or "")]
    assert len(flag_views) == 2 and all(row.action == "view" for row in flag_views)


def test_a_persons_flag_case_stays_off_the_case_screens_of_counter_staff(app, db, staff_client, people):
    person = people(34)
    with db.transaction() as session:
        case = Case(case_no="R8-FLAG-000001", procedure=Procedure.AUTO_RESPONSE_BLOCK, resident_id=person.id)
        session.add(case)
        session.flush()
        case_id = case.id
    clerk, _ = staff_client(Role.COUNTER)
    supervisor, _ = staff_client(Role.SUPERVISOR)
    assert clerk.get(f"/cases/{case_id}").status_code == 404
    assert supervisor.get(f"/cases/{case_id}").status_code == 200
    listed = re.compile(r'<a href="/cases/\d+\?reason=[^"]*">R8-FLAG-000001</a>')
    for client, shown in ((clerk, False), (supervisor, True)):
        page = client.get("/cases", query_string={"procedure": "auto_response_block"}).get_data(as_text=True)
        assert bool(listed.search(page)) is shown
