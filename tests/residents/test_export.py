"""外部媒体への書き出し: request, approval by another supervisor, one encrypted download within 24 hours."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import pyzipper
from sqlalchemy import select

from models import AccessLog, Case, ExportRequest
from models.case import CaseStatus
from models.export_request import ExportStatus
from models.staff import Role
from tests.auth_helpers import log_in
from tests.residents.conftest import MY_NUMBER, access_rows, open_person, token
from workflows.timers import run_due_timers

PASSWORD = re.compile(r'id="export-password">([^<]+)<')


def request_export(client, **fields) -> int:
    data = {"kind": "people", "atena_nos": "0000012345\n０００００６７８９０", "date_from": "",
            "date_to": "", "atena_no": "", "reason": "健康被害調査委員会への提出資料（石川県）", **fields}
    response = client.post("/exports/new", data={"csrf_token": token(client, "/exports/new"), **data})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def decide(client, export_id: int, decision: str = "approve", comment: str = ""):
    path = f"/exports/{export_id}"
    return client.post(f"{path}/decide", data={"csrf_token": token(client, path), "decision": decision,
                                               "decision_comment": comment})


def prepare(client, export_id: int):
    path = f"/exports/{export_id}"
    return client.post(f"{path}/prepare", data={"csrf_token": token(client, path)})


def download(client, export_id: int):
    path = f"/exports/{export_id}"
    return client.post(f"{path}/download", data={"csrf_token": token(client, "/exports/")})


def export_row(db, export_id: int) -> ExportRequest:
    with db.transaction() as session:
        row = session.get(ExportRequest, export_id)
        session.expunge(row)
        return row


def read_zip(data: bytes, password: str | None) -> str:
    with pyzipper.AESZipFile(io.BytesIO(data)) as archive:
        if password is not None:
            archive.setpassword(password.encode())
        (name,) = archive.namelist()
        return archive.read(name).decode("utf-8-sig")


@pytest.fixture
def people(town, staff_client, clock):
    requester, requester_account = staff_client(Role.COUNTER, Role.SUPERVISOR)
    supervisor, supervisor_account = staff_client(Role.SUPERVISOR)
    return requester, supervisor, requester_account, supervisor_account


def test_request_approval_and_a_single_encrypted_download(people, db, clock):
    requester, supervisor, requester_account, supervisor_account = people
    export_id = request_export(requester)
    assert export_row(db, export_id).status == ExportStatus.REQUESTED

    # The requester holds the supervisor role too, but may not approve their own request.
    own = decide(requester, export_id)
    assert own.status_code == 403 and "二者確認" in own.get_data(as_text=True)
    assert export_row(db, export_id).status == ExportStatus.REQUESTED
    assert prepare(requester, export_id).status_code == 403  # not approved yet

    assert decide(supervisor, export_id).status_code == 302
    approved = export_row(db, export_id)
    assert approved.status == ExportStatus.APPROVED
    assert approved.expires_at == clock.now + timedelta(hours=24)
    assert prepare(supervisor, export_id).status_code == 403  # only the requester receives it

    shown = prepare(requester, export_id)
    assert shown.status_code == 200
    password = PASSWORD.search(shown.get_data(as_text=True)).group(1)
    assert len(password) == 20
    assert prepare(requester, export_id).status_code == 403  # the password is shown once

    first = download(requester, export_id)
    assert first.status_code == 200 and first.mimetype == "application/zip"
    table = read_zip(first.data, password)
    assert "髙橋\u3000一郎" in table and "山﨑\u3000京子" in table and "FC9880" in table
    assert MY_NUMBER not in table and "個人番号" not in table  # the requester lacks the permission
    with pytest.raises(RuntimeError):
        read_zip(first.data, None)
    with pytest.raises(RuntimeError):
        read_zip(first.data, "wrong-password-000000")

    again = download(requester, export_id)
    assert again.status_code == 403 and "既にダウンロード" in again.get_data(as_text=True)
    done = export_row(db, export_id)
    assert (done.status, done.file_data) == (ExportStatus.DOWNLOADED, None)
    with db.transaction() as session:
        assert session.get(Case, done.case_id).status == CaseStatus.CLOSED

    exports = access_rows(db, "export")
    assert [(r.staff_id, r.atena_no) for r in exports] == [
        (requester_account.id, None),  # request
        (supervisor_account.id, None),  # approval
        (requester_account.id, None),  # file created
        (requester_account.id, "0000012345"),  # download, one row per person
        (requester_account.id, "0000067890"),
    ]
    assert all(r.reason == "健康被害調査委員会への提出資料（石川県）" for r in exports)


def test_my_number_is_in_the_file_only_for_a_requester_with_the_permission(town, staff_client, db, clock):
    requester, _ = staff_client(Role.COUNTER, may_view_my_number=True)
    supervisor, _ = staff_client(Role.SUPERVISOR)
    export_id = request_export(requester, atena_nos="0000012345")
    decide(supervisor, export_id)
    password = PASSWORD.search(prepare(requester, export_id).get_data(as_text=True)).group(1)
    table = read_zip(download(requester, export_id).data, password)
    assert "個人番号" in table and MY_NUMBER in table


def test_a_rejected_request_cannot_be_downloaded(people, db):
    requester, supervisor, *_ = people
    export_id = request_export(requester)
    missing_reason = decide(supervisor, export_id, "reject")
    assert missing_reason.status_code == 400 and "却下の理由" in missing_reason.get_data(as_text=True)
    assert decide(supervisor, export_id, "reject", "提供先が不明").status_code == 302
    assert export_row(db, export_id).status == ExportStatus.REJECTED
    assert prepare(requester, export_id).status_code == 403


def logged_in_again(app, account, clock):
    """Sessions end after 15 idle minutes: a person coming back hours later logs in again."""
    client = app.test_client()
    assert log_in(client, account, clock.now).status_code == 302
    return client


def test_the_download_window_closes_after_24_hours(people, db, clock, app):
    requester, supervisor, requester_account, _ = people
    export_id = request_export(requester)
    decide(supervisor, export_id)
    clock.advance(hours=23, minutes=59)
    requester = logged_in_again(app, requester_account, clock)
    assert prepare(requester, export_id).status_code == 200  # still inside the window
    clock.advance(minutes=2)
    late = download(requester, export_id)
    assert late.status_code == 403 and "期限" in late.get_data(as_text=True)

    with db.transaction() as session:
        assert run_due_timers(session, clock) == 1
    closed = export_row(db, export_id)
    assert (closed.status, closed.file_data) == (ExportStatus.EXPIRED, None)
    with db.transaction() as session:
        assert session.get(Case, closed.case_id).status == CaseStatus.CLOSED
        expiry = session.scalars(select(AccessLog).where(AccessLog.detail.contains("期限切れ"))).one()
        assert expiry.action == "export"


def test_requests_are_checked_before_they_reach_a_supervisor(town, staff_client, db, clock):
    client, _ = staff_client(Role.COUNTER)
    path = "/exports/new"
    unknown = client.post(path, data={"csrf_token": token(client, path), "kind": "people",
                                      "atena_nos": "0000099999", "reason": "確認"})
    assert unknown.status_code == 400 and "登録されていない宛名番号" in unknown.get_data(as_text=True)
    no_period = client.post(path, data={"csrf_token": token(client, path), "kind": "vaccinations_by_period",
                                        "reason": "県への報告"})
    assert no_period.status_code == 400 and "期間の始まりと終わり" in no_period.get_data(as_text=True)
    no_reason = client.post(path, data={"csrf_token": token(client, path), "kind": "people",
                                        "atena_nos": "0000012345", "reason": ""})
    assert no_reason.status_code == 400
    with db.transaction() as session:
        assert session.scalars(select(ExportRequest)).first() is None
    assert access_rows(db, "export") == []


def test_vaccinations_by_period_and_access_log_extracts(town, staff_client, db, clock):
    requester, _ = staff_client(Role.COUNTER)
    supervisor, _ = staff_client(Role.SUPERVISOR)
    open_person(requester, town["takahashi"], reason="本人・代理人からの問い合わせ")
    requester.get(f"/residents/{town['takahashi']}")  # the VIEW row the person asks about
    by_period = request_export(requester, kind="vaccinations_by_period", atena_nos="",
                               date_from="2021-05-01", date_to="2021-12-31")
    assert export_row(db, by_period).row_count == 1  # the 2021-06-01 dose only
    log_extract = request_export(requester, kind="access_log", atena_nos="", atena_no="0000012345",
                                 date_from="2026-03-01", date_to="2026-04-30")
    for export_id in (by_period, log_extract):
        decide(supervisor, export_id)
    password = PASSWORD.search(prepare(requester, log_extract).get_data(as_text=True)).group(1)
    table = read_zip(download(requester, log_extract).data, password)
    assert "住民の詳細画面" in table and "本人・代理人からの問い合わせ" in table


def test_the_task_screen_sends_the_supervisor_to_the_request_page(people, db, app):
    requester, supervisor, *_ = people
    export_id = request_export(requester)
    case_id = export_row(db, export_id).case_id
    response = supervisor.get(f"/exports/case/{case_id}")
    assert response.status_code == 302 and response.headers["Location"] == f"/exports/{export_id}"
    with app.test_request_context():
        html = app.jinja_env.get_template("tasks/forms/export_approval.html").render(
            case=type("CaseStub", (), {"id": case_id})())
    assert f'href="/exports/case/{case_id}"' in html
