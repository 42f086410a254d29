"""案件詳細: the timeline, masking, the access log, the diagram states, retry and cancel."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from wtforms import Form, SelectField, StringField

from models.access_log import AccessLog
from models.case import Case
from models.demo.people import synthetic_my_number
from models.process import ProcessInstance
from models.staff import Role
from models.task import HumanTask
from tests.auth_helpers import csrf_token, log_in
from tests.cases.fixtures import BPMN, actor
from tests.cases.helpers import (
    APPLICANT_MY_NUMBER,
    NOTED_MY_NUMBER,
    field_values,
    ready_task,
    receive,
    start,
    titles,
    work,
)
from web.forms.generic import register
from workflows.definitions import deploy
from workflows.forms import unregister_form
from workflows.service import reassign, send_message
from workflows.timers import tick


def masked(number: str) -> str:
    return "********" + number[-4:]


def access_rows(db) -> list[AccessLog]:
    with db.transaction() as session:
        rows = session.scalars(select(AccessLog).order_by(AccessLog.id)).all()
        session.expunge_all()
        return rows


def test_timeline_shows_each_step_with_who_did_it_in_order(
    db, clock, case_review, make_staff, staff_client, make_resident
):
    person = make_resident()
    counter = actor(make_staff("madoguchi-a", Role.COUNTER), Role.COUNTER)
    first = make_staff("kantoku-a", Role.SUPERVISOR)
    second = make_staff("kantoku-b", Role.SUPERVISOR)
    case_id = start(db, clock, counter, resident_id=person.id)
    receive(db, clock, case_id, counter)
    clock.advance(minutes=5)
    guid = ready_task(db, case_id, "approve")
    with db.transaction() as session:
        reassign(session, guid, actor(first, Role.SUPERVISOR), second.id, clock=clock)
    work(db, clock, case_id, "approve", actor(second, Role.SUPERVISOR), {"decision": "ok"})
    with db.transaction() as session:
        send_message(session, "reply", _case_no(db, case_id), {"result": "該当あり"}, clock=clock)
    work(db, clock, case_id, "notify", counter, {"notified": True})

    client, _ = staff_client(Role.COUNTER)
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)

    assert titles(page) == [
        "案件を開始",
        "「受付・内容確認」を担当",
        "「受付・内容確認」を完了",
        "「決裁」の担当を変更: なし → 試験 kantoku-b",  # kantoku-b then works on it without claiming again
        "「決裁」を完了",
        "メッセージ「reply」を受信",
        "「結果の通知」を担当",
        "「結果の通知」を完了",
        "処理が完了",
    ]
    values = field_values(page)
    assert values["決裁結果"] == ["承認"]  # the choice's name, not its stored value
    assert values["通知した"] == ["はい"]
    assert values["result"] == ["該当あり"]
    assert "試験 madoguchi-a" in page and "試験 kantoku-a" in page  # who acted
    assert "127.0.0.1 pytest" in page  # from which terminal


def _case_no(db, case_id: int) -> str:
    with db.transaction() as session:
        return session.get(Case, case_id).case_no


def test_submitted_my_numbers_are_masked_for_staff_without_the_permission(
    db, clock, case_review, make_staff, staff_client, make_resident
):
    person = make_resident()
    counter = actor(make_staff("madoguchi-m", Role.COUNTER), Role.COUNTER)
    case_id = start(db, clock, counter, resident_id=person.id)
    receive(db, clock, case_id, counter)

    plain, _ = staff_client(Role.COUNTER)
    page = plain.get(f"/cases/{case_id}").get_data(as_text=True)
    for number in (APPLICANT_MY_NUMBER, NOTED_MY_NUMBER, person.my_number):
        assert number not in page
        assert number[:8] not in page
    assert field_values(page)["申請者の個人番号"] == [masked(APPLICANT_MY_NUMBER)]
    assert masked(NOTED_MY_NUMBER) in field_values(page)["備考"][0]
    assert masked(person.my_number) in page

    permitted, _ = staff_client(Role.COUNTER, may_view_my_number=True)
    page = permitted.get(f"/cases/{case_id}").get_data(as_text=True)
    assert field_values(page)["申請者の個人番号"] == [APPLICANT_MY_NUMBER]
    assert NOTED_MY_NUMBER in field_values(page)["備考"][0]
    assert person.my_number in page


def test_opening_a_case_with_a_subject_writes_a_view_row(
    db, clock, case_review, make_staff, staff_client, make_resident
):
    person = make_resident()
    counter = actor(make_staff("madoguchi-v", Role.COUNTER), Role.COUNTER)
    with_subject = start(db, clock, counter, resident_id=person.id)
    without_subject = start(db, clock, counter)
    client, viewer = staff_client(Role.EXAMINER)

    assert client.get(f"/cases/{without_subject}").status_code == 200
    assert client.get(f"/cases/{without_subject}/diagram.json").status_code == 200
    assert access_rows(db) == []

    reason = "本人・代理人からの問い合わせ"
    assert client.get(f"/cases/{with_subject}", query_string={"reason": reason}).status_code == 200
    assert client.get(f"/cases/{with_subject}").status_code == 200
    rows = access_rows(db)
    assert [(r.action, r.atena_no, r.staff_id) for r in rows] == [
        ("view", person.atena_no, viewer.id), ("view", person.atena_no, viewer.id)
    ]
    case_no = _case_no(db, with_subject)
    assert rows[0].reason == reason and rows[0].detail == f"案件詳細 {case_no}"
    assert rows[1].reason == "窓口での証明書交付申請"  # chosen from the procedure when none is given
    assert all(person.my_number not in (r.detail or "") for r in rows)


def test_a_missing_case_is_not_found(case_review, staff_client):
    client, _ = staff_client(Role.SUPERVISOR)
    assert client.get("/cases/424242").status_code == 404
    assert client.get("/cases/424242/diagram.json").status_code == 404


def test_diagram_marks_completed_active_and_error_elements(
    db, clock, case_review, make_staff, staff_client
):
    counter = actor(make_staff("madoguchi-d", Role.COUNTER), Role.COUNTER)
    case_id = start(db, clock, counter)
    client, _ = staff_client(Role.COUNTER)

    diagram = client.get(f"/cases/{case_id}/diagram.json").get_json()
    assert diagram["process_key"] == "case_review" and diagram["version"] == 1
    assert 'id="approve"' in diagram["xml"]
    assert diagram["states"] == {"start": "completed", "receive": "active"}

    case_review.failures.append(ConnectionError("照会先が応答しません"))
    receive(db, clock, case_id, counter)
    states = client.get(f"/cases/{case_id}/diagram.json").get_json()["states"]
    assert states == {"start": "completed", "receive": "completed", "lookup": "error"}


def test_message_wait_is_shown_active(db, clock, case_review, make_staff, staff_client):
    counter = actor(make_staff("madoguchi-w", Role.COUNTER), Role.COUNTER)
    boss = actor(make_staff("kantoku-w", Role.SUPERVISOR), Role.SUPERVISOR)
    case_id = start(db, clock, counter)
    receive(db, clock, case_id, counter)
    work(db, clock, case_id, "approve", boss, {"decision": "ok"})
    client, _ = staff_client(Role.SUPERVISOR)
    states = client.get(f"/cases/{case_id}/diagram.json").get_json()["states"]
    assert states["approve"] == "completed"
    assert states["wait_reply"] == "active"
    assert "notify" not in states


def test_timer_firing_and_the_interrupted_task_appear_on_the_timeline(
    db, clock, case_review, make_staff, staff_client
):
    counter = actor(make_staff("madoguchi-t", Role.COUNTER), Role.COUNTER)
    case_id = start(db, clock, counter)
    receive(db, clock, case_id, counter)
    eight_days_later = clock.now + timedelta(days=8)
    report = tick(db, lambda: eight_days_later)
    assert report.timers == 1

    client, _ = staff_client(Role.COUNTER)
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert titles(page)[-3:] == ["期限・タイマーの到来", "「決裁」が取り消されました", "処理が完了"]
    states = client.get(f"/cases/{case_id}/diagram.json").get_json()["states"]
    assert states["approve"] == "cancelled"
    assert states["approve_deadline"] == "completed"
    assert states["expire"] == "completed"
    assert "wait_reply" not in states


def _fail_lookup(db, clock, case_review, make_staff, make_resident):
    person = make_resident()
    counter = actor(make_staff("madoguchi-e", Role.COUNTER), Role.COUNTER)
    case_id = start(db, clock, counter, resident_id=person.id)
    case_review.failures.append(ConnectionError("照会先が応答しません"))
    receive(db, clock, case_id, counter)
    return case_id, person


def _status(db, case_id: int) -> tuple[str, str]:
    with db.transaction() as session:
        case = session.get(Case, case_id)
        instance = session.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case_id)).one()
        return case.status, instance.status


def test_supervisor_sees_the_error_and_retries_the_case(
    db, clock, case_review, make_staff, staff_client, make_resident
):
    case_id, person = _fail_lookup(db, clock, case_review, make_staff, make_resident)
    assert _status(db, case_id) == ("error", "error")

    counter, _ = staff_client(Role.COUNTER)
    page = counter.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "エラーで停止しています" in page and "照会先が応答しません" in page
    assert "再実行する" not in page and "この案件を取り消す" not in page
    token = csrf_token(counter, f"/cases/{case_id}")
    assert counter.post(f"/cases/{case_id}/retry", data={"csrf_token": token}).status_code == 403
    assert _status(db, case_id) == ("error", "error")

    boss, boss_account = staff_client(Role.SUPERVISOR)
    page = boss.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "再実行する" in page
    response = boss.post(f"/cases/{case_id}/retry", data={"csrf_token": csrf_token(boss, f"/cases/{case_id}")})
    assert response.status_code == 302
    assert _status(db, case_id) == ("open", "running")
    page = boss.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "再実行しました" in page
    assert titles(page) == ["案件を開始", "「受付・内容確認」を担当", "「受付・内容確認」を完了", "エラーで停止", "再実行"]
    assert ready_task(db, case_id, "approve")
    updates = [r for r in access_rows(db) if r.action == "update"]
    assert [(r.atena_no, r.staff_id) for r in updates] == [(person.atena_no, boss_account.id)]
    assert "再実行" in updates[0].detail


def test_a_retry_that_fails_again_keeps_the_case_in_error(
    db, clock, case_review, make_staff, staff_client, make_resident
):
    case_id, _ = _fail_lookup(db, clock, case_review, make_staff, make_resident)
    case_review.failures.append(ConnectionError("まだ応答しません"))
    boss, _ = staff_client(Role.SUPERVISOR)
    boss.post(f"/cases/{case_id}/retry", data={"csrf_token": csrf_token(boss, f"/cases/{case_id}")})
    page = boss.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "再びエラーになりました" in page and "まだ応答しません" in page
    assert _status(db, case_id) == ("error", "error")


def test_supervisor_cancels_a_case_with_a_reason(
    db, clock, case_review, make_staff, staff_client, make_resident
):
    person = make_resident()
    counter_actor = actor(make_staff("madoguchi-c", Role.COUNTER), Role.COUNTER)
    case_id = start(db, clock, counter_actor, resident_id=person.id)
    url = f"/cases/{case_id}"

    counter, _ = staff_client(Role.COUNTER)
    token = csrf_token(counter, url)
    assert counter.post(f"{url}/cancel", data={"csrf_token": token, "reason": "取下げ"}).status_code == 403

    boss, _ = staff_client(Role.SUPERVISOR)
    response = boss.post(f"{url}/cancel", data={"csrf_token": csrf_token(boss, url), "reason": "  "})
    assert response.status_code == 302
    assert "取消理由を入力してください" in boss.get(url).get_data(as_text=True)
    assert _status(db, case_id) == ("open", "running")

    response = boss.post(f"{url}/cancel", data={"csrf_token": csrf_token(boss, url),
                                                "reason": "申請者から取下げの申出"})
    assert response.status_code == 302
    assert _status(db, case_id) == ("cancelled", "cancelled")
    with db.transaction() as session:
        assert session.scalars(select(HumanTask.state).where(HumanTask.case_id == case_id)).all() == ["cancelled"]
    page = boss.get(url).get_data(as_text=True)
    assert titles(page) == ["案件を開始", "案件を取消", "「受付・内容確認」が取り消されました"]
    assert "取消理由: 申請者から取下げの申出" in page
    assert "この案件を取り消す" not in page  # nothing left to cancel
    updates = [r for r in access_rows(db) if r.action == "update"]
    assert len(updates) == 1 and "申請者から取下げの申出" in updates[0].detail
    assert '<span class="case-status case-status-cancelled">取消</span>' in page


class ReceiveForm(Form):
    proxy_number = StringField("代理人の番号")
    kind = SelectField("申請区分", choices=[("self", "本人"), ("proxy", "代理人")])


def test_a_registered_form_is_labelled_and_masked_like_a_generic_one(
    db, clock, case_review, make_staff, staff_client
):
    fields = re.search(r'<spiffworkflow:property name="fields" value=\'\[\{"name": "applicant_my_number".*?/>',
                       BPMN.read_text()).group(0)
    register("test_case_receive", ReceiveForm)
    try:
        with db.transaction() as session:
            deploy(session, BPMN.read_text().replace(
                fields, '<spiffworkflow:property name="form" value="test_case_receive"/>').encode(), note="試験")
        counter = actor(make_staff("madoguchi-f", Role.COUNTER), Role.COUNTER)
        case_id = start(db, clock, counter)
        number = synthetic_my_number(777)
        work(db, clock, case_id, "receive", counter, {"proxy_number": number, "kind": "proxy"})
        client, _ = staff_client(Role.COUNTER)
        values = field_values(client.get(f"/cases/{case_id}").get_data(as_text=True))
    finally:
        unregister_form("test_case_receive")
    assert values["申請区分"] == ["代理人"]
    assert values["代理人の番号"] == [masked(number)]  # recognised by its check digit


def test_ready_tasks_link_to_the_task_screen(app, db, clock, case_review, make_staff):
    counter = make_staff("madoguchi-l", Role.COUNTER)
    case_id = start(db, clock, actor(counter, Role.COUNTER))
    guid = ready_task(db, case_id, "receive")
    client = app.test_client()
    log_in(client, counter, clock.now)
    assert f'href="/tasks/{guid}"' in client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert client.get(f"/tasks/{guid}").status_code == 200
