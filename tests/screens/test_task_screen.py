"""The task screen: form, summary, instructions, history, drafts, validation, conflicts, next task."""

from __future__ import annotations

from sqlalchemy import select

from models import AccessLog, HumanTaskState, Role, TaskDraft
from tests.auth_helpers import csrf_token
from tests.screens.conftest import add_resident, open_case, ready_guid, task_row
from workflows import service


def actor_of(account, *roles: Role) -> service.Actor:
    return service.Actor(account.id, frozenset(roles))


def revision_on(page: str) -> str:
    return page.split('name="_revision" value="', 1)[1].split('"', 1)[0]


def test_screen_shows_generic_form_instructions_summary_and_history(db, intake, staff_client, clock):
    client, account = staff_client(Role.COUNTER, may_view_my_number=False)
    case_no, guid = open_case(db, clock, add_resident(db, 31))
    with db.transaction() as session:
        service.claim(session, guid, actor_of(account, Role.COUNTER), clock=clock)
    page = client.get(f"/tasks/{guid}").get_data(as_text=True)
    assert '<input id="received_on" name="received_on" required type="date"' in page
    assert 'name="note"' in page and "受付日" in page
    assert "<li>本人確認書類を確認する</li>" in page
    assert "&lt;b&gt;不備&lt;/b&gt;" in page and "<b>不備</b>" not in page  # documentation is escaped
    assert case_no in page and "予防接種証明書の交付" in page and "受付" in page  # stage
    assert "金沢\u3000太郎" in page and "0000000031" in page
    assert "990000000031" not in page and "********0031" in page  # 個人番号 masked without permission
    assert "案件開始" in page and "担当" in page  # history
    with db.transaction() as session:
        [row] = session.scalars(select(AccessLog).where(AccessLog.atena_no == "0000000031")).all()
    assert row.action == "view" and case_no in row.detail


def test_registered_form_is_rendered_generically_and_validated(db, intake, staff_client, clock, monkeypatch):
    from wtforms import StringField
    from wtforms.validators import InputRequired

    from web.forms import JapaneseForm, generic

    class PassportForm(JapaneseForm):
        passport_no = StringField("旅券番号", [InputRequired(message="入力してください")])

    monkeypatch.setitem(generic._CLASSES, "test_passport", PassportForm)
    form = service.TaskForm("x", "旅券確認", "test_passport")
    monkeypatch.setattr(service, "task_form", lambda session, guid: form)
    client, _ = staff_client(Role.COUNTER)
    _, guid = open_case(db, clock)
    page = client.get(f"/tasks/{guid}").get_data(as_text=True)
    assert 'name="passport_no"' in page and "旅券番号" in page


def test_validation_errors_keep_what_was_typed(db, intake, staff_client, clock):
    client, _ = staff_client(Role.COUNTER)
    _, guid = open_case(db, clock)
    page = client.get(f"/tasks/{guid}").get_data(as_text=True)
    response = client.post(f"/tasks/{guid}", data={
        "csrf_token": csrf_token(client, f"/tasks/{guid}"), "_revision": revision_on(page),
        "received_on": "令和8年4月1日", "note": "窓口で本人確認済み",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "日付を YYYY-MM-DD で入力してください" in html
    assert "窓口で本人確認済み" in html and 'value="令和8年4月1日"' in html
    assert task_row(db, guid).state == HumanTaskState.READY


def test_draft_is_saved_per_person_and_restored_on_return(db, intake, staff_client, clock):
    client, account = staff_client(Role.COUNTER)
    other, _ = staff_client(Role.COUNTER)
    _, guid = open_case(db, clock)
    token = csrf_token(client, f"/tasks/{guid}")
    response = client.post(f"/tasks/{guid}/draft", json={"note": "途中まで入力", "received_on": "2026-04-01",
                                                        "unknown": "捨てる"}, headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.json["saved_at"]
    with db.transaction() as session:
        draft = session.scalars(select(TaskDraft)).one()
    assert (draft.staff_id, draft.data) == (account.id, {"note": "途中まで入力", "received_on": "2026-04-01"})
    page = client.get(f"/tasks/{guid}").get_data(as_text=True)
    assert "途中まで入力" in page and 'value="2026-04-01"' in page and "下書きを復元しました" in page
    assert "途中まで入力" not in other.get(f"/tasks/{guid}").get_data(as_text=True)
    assert client.post(f"/tasks/{guid}/draft", json={"note": "x"}).status_code == 400  # no CSRF header


def test_draft_is_refused_for_a_task_someone_else_holds(db, intake, staff_client, clock):
    client, _ = staff_client(Role.COUNTER)
    _, holder = staff_client(Role.COUNTER)
    _, guid = open_case(db, clock)
    with db.transaction() as session:
        service.claim(session, guid, actor_of(holder, Role.COUNTER), clock=clock)
    token = csrf_token(client, f"/tasks/{guid}")
    response = client.post(f"/tasks/{guid}/draft", json={"note": "x"}, headers={"X-CSRFToken": token})
    assert response.status_code == 409 and "他の職員が担当" in response.json["error"]


def test_completing_opens_the_next_task_of_the_case_when_i_may_take_it(db, intake, staff_client, clock):
    client, account = staff_client(Role.COUNTER)
    case_no, guid = open_case(db, clock)
    token = csrf_token(client, f"/tasks/{guid}")
    client.post(f"/tasks/{guid}/draft", json={"note": "下書き"}, headers={"X-CSRFToken": token})
    page = client.get(f"/tasks/{guid}").get_data(as_text=True)
    response = client.post(f"/tasks/{guid}", data={"csrf_token": token, "_revision": revision_on(page),
                                                   "received_on": "2026-04-01"})
    record = ready_guid(db, case_no, "record")
    assert response.status_code == 302 and response.headers["Location"] == f"/tasks/{record}"
    assert task_row(db, guid).completed_by_id == account.id
    with db.transaction() as session:
        assert session.scalars(select(TaskDraft)).all() == []
        update = session.scalars(select(AccessLog).where(AccessLog.action == "update")).all()
    assert update == []  # no resident on this case, nothing personal was updated
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "続けて「受付内容の登録」を開きました" in follow
    # 内容確認 is separated from 申請受付, which this person did: back to the inbox instead.
    page = client.get(f"/tasks/{record}").get_data(as_text=True)
    response = client.post(f"/tasks/{record}", data={"csrf_token": token, "_revision": revision_on(page),
                                                     "copies": "2"})
    assert response.headers["Location"] == "/inbox/"
    assert "「受付内容の登録」（" in client.get("/inbox/").get_data(as_text=True)


def test_conflict_when_someone_else_completed_first_keeps_the_input_as_a_draft(db, intake, staff_client, clock):
    client, account = staff_client(Role.COUNTER)
    _, rival = staff_client(Role.COUNTER)
    _, guid = open_case(db, clock, add_resident(db, 41))
    page = client.get(f"/tasks/{guid}").get_data(as_text=True)
    with db.transaction() as session:
        service.complete_task(session, guid, actor_of(rival, Role.COUNTER), {"received_on": "2026-04-01"},
                              clock=clock)
    response = client.post(f"/tasks/{guid}", data={
        "csrf_token": csrf_token(client, "/inbox/"), "_revision": revision_on(page),
        "received_on": "2026-04-02", "note": "消えては困るメモ",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "この作業は既に他の職員によって完了しています" in html and "下書きとして保存しました" in html
    assert "消えては困るメモ" in html
    with db.transaction() as session:
        draft = session.scalars(select(TaskDraft).where(TaskDraft.staff_id == account.id)).one()
    assert draft.data["note"] == "消えては困るメモ"


def test_stale_revision_is_refused_with_a_clear_message(db, intake, staff_client, clock):
    client, _ = staff_client(Role.COUNTER)
    _, guid = open_case(db, clock)
    page = client.get(f"/tasks/{guid}").get_data(as_text=True)
    response = client.post(f"/tasks/{guid}", data={
        "csrf_token": csrf_token(client, "/inbox/"), "_revision": str(int(revision_on(page)) - 1),
        "received_on": "2026-04-02",
    })
    assert response.status_code == 409
    assert "画面を開いた後に更新されました" in response.get_data(as_text=True)
    assert task_row(db, guid).state == HumanTaskState.READY


def test_separation_of_duties_refusal_is_shown_in_japanese(db, intake, staff_client, clock):
    client, account = staff_client(Role.COUNTER)
    case_no, guid = open_case(db, clock)
    with db.transaction() as session:
        service.complete_task(session, guid, actor_of(account, Role.COUNTER), {"received_on": "2026-04-01"},
                              clock=clock)
    with db.transaction() as session:
        service.complete_task(session, ready_guid(db, case_no, "record"), actor_of(account, Role.COUNTER),
                              {"copies": "1"}, clock=clock)
    confirm = ready_guid(db, case_no, "confirm")
    token = csrf_token(client, "/inbox/group")
    response = client.post(f"/tasks/{confirm}/claim", data={"csrf_token": token}, follow_redirects=True)
    assert "二者確認のため、「申請受付」を行った職員はこの作業（内容確認）を担当できません" in response.get_data(as_text=True)
    assert task_row(db, confirm).assignee_id is None


def test_staff_without_the_lane_role_cannot_open_the_task(db, intake, staff_client, clock):
    client, _ = staff_client(Role.EXAMINER)
    _, guid = open_case(db, clock)
    assert client.get(f"/tasks/{guid}").status_code == 403
    assert client.get("/tasks/no-such-task").status_code == 404


def test_a_procedure_template_replaces_the_generic_fields_and_case_details_are_shown(
    app, db, intake, staff_client, clock, monkeypatch,
):
    from jinja2 import ChoiceLoader, DictLoader
    from wtforms import StringField

    from models import Procedure
    from web.forms import JapaneseForm, generic
    from web.tasks import summary

    class PassportForm(JapaneseForm):
        passport_no = StringField("旅券番号")

    monkeypatch.setitem(generic._CLASSES, "test_passport", PassportForm)
    monkeypatch.setattr(service, "task_form", lambda session, guid: service.TaskForm(guid, "旅券確認", "test_passport"))
    template = '<div class="passport">専用の画面 {{ form.passport_no(class_="wide") }}</div>'
    loader = ChoiceLoader([DictLoader({"tasks/forms/test_passport.html": template}), app.jinja_env.loader])
    monkeypatch.setattr(app.jinja_env, "loader", loader)
    monkeypatch.setitem(summary._DETAILS, str(Procedure.CERTIFICATE),
                        [lambda session, case: [("受領書類", f"申請書（{case.case_no}）")]])
    app.jinja_env.cache.clear()
    client, _ = staff_client(Role.COUNTER)
    case_no, guid = open_case(db, clock)
    page = client.get(f"/tasks/{guid}").get_data(as_text=True)
    app.jinja_env.cache.clear()
    assert '<div class="passport">専用の画面' in page and 'class="wide"' in page
    assert "受領書類" in page and f"申請書（{case_no}）" in page
