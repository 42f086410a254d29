"""Admins issue, change and disable accounts; every change says who, when and why."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models.security_event import SecurityEvent, SecurityEventKind
from models.staff import Department, Role, Staff
from tests.auth_helpers import csrf_token, log_in, submit_password


def post(client, path: str, form_page: str, **data):
    data["csrf_token"] = csrf_token(client, form_page)
    return client.post(path, data=data)


def account_events(db, staff_id: int) -> list[SecurityEvent]:
    with db.Session() as session:
        return list(session.scalars(select(SecurityEvent).where(
            SecurityEvent.subject_id == staff_id).order_by(SecurityEvent.id)))


def staff_by_login(db, login_id: str) -> Staff:
    with db.Session() as session:
        staff = session.scalars(select(Staff).where(Staff.login_id == login_id)).one()
        _ = staff.roles
        return staff


def admin_client(app, make_staff, clock):
    admin = make_staff("kanri9", Role.ADMIN)
    client = app.test_client()
    log_in(client, admin, clock.now)
    return client, admin


def test_issued_account_is_personal_and_must_set_its_own_password_and_totp(app, make_staff, clock, db):
    client, admin = admin_client(app, make_staff, clock)
    with db.Session() as session:
        department_id = session.scalars(select(Department.id)).one()
    response = post(client, "/admin/staff/new", "/admin/staff/new",
                    login_id="shinki1", full_name="新規 一子", department_id=department_id,
                    roles=["counter", "supervisor"], may_view_my_number="y",
                    initial_password="kari-pasuwado-0401", reason="4月1日付 採用")
    assert response.status_code == 302
    staff = staff_by_login(db, "shinki1")
    assert staff.roles == {Role.COUNTER, Role.SUPERVISOR}
    assert staff.may_view_my_number and staff.must_change_password and staff.totp_secret is None
    [event] = account_events(db, staff.id)
    assert event.event == SecurityEventKind.ACCOUNT_CREATED.value
    assert event.actor_id == admin.id and event.reason == "4月1日付 採用"
    assert event.at == clock.now
    assert "kari-pasuwado-0401" not in (event.detail or "")

    # The new person: password, then TOTP enrolment, then their own password.
    newcomer = app.test_client()
    response = submit_password(newcomer, "shinki1", "kari-pasuwado-0401")
    assert response.headers["Location"].endswith("/login/enrol")


def test_issue_refuses_a_duplicate_id_weak_password_and_missing_reason(app, make_staff, clock, db):
    client, _admin = admin_client(app, make_staff, clock)
    with db.Session() as session:
        department_id = session.scalars(select(Department.id)).one()
    base = {"login_id": "KANRI9", "full_name": "重複 花子", "department_id": department_id,
            "roles": ["counter"], "initial_password": "kari-pasuwado-0401", "reason": "採用"}
    page = post(client, "/admin/staff/new", "/admin/staff/new", **base).get_data(as_text=True)
    assert "この職員IDは既に使われています" in page
    page = post(client, "/admin/staff/new", "/admin/staff/new",
                **{**base, "login_id": "new1", "initial_password": "short"}).get_data(as_text=True)
    assert "12文字以上" in page
    page = post(client, "/admin/staff/new", "/admin/staff/new",
                **{**base, "login_id": "new1", "reason": ""}).get_data(as_text=True)
    assert "理由を入力してください" in page
    with db.Session() as session:
        assert session.scalars(select(Staff.login_id)).all() == ["kanri9"]


def test_roles_and_my_number_permission_are_granted_and_revoked_with_reasons(app, make_staff, clock, db):
    client, admin = admin_client(app, make_staff, clock)
    target = make_staff("idou1", Role.COUNTER)
    page = f"/admin/staff/{target.id}"
    post(client, f"{page}/permissions", page, roles=["examiner"], may_view_my_number="y",
         reason="人事異動")
    staff = staff_by_login(db, "idou1")
    assert staff.roles == {Role.EXAMINER} and staff.may_view_my_number
    kinds = [(e.event, e.detail) for e in account_events(db, target.id)]
    assert kinds == [("role_granted", "審査担当"), ("role_revoked", "窓口職員"),
                     ("my_number_granted", None)]
    assert all(e.reason == "人事異動" and e.actor_id == admin.id
               for e in account_events(db, target.id))
    post(client, f"{page}/permissions", page, roles=["examiner"], reason="権限見直し")
    assert not staff_by_login(db, "idou1").may_view_my_number
    assert account_events(db, target.id)[-1].event == "my_number_revoked"


def test_disabling_an_account_ends_its_open_session(app, make_staff, clock, db):
    client, _admin = admin_client(app, make_staff, clock)
    leaver = make_staff("taishoku2", Role.COUNTER)
    leaver_client = app.test_client()
    log_in(leaver_client, leaver, clock.now)
    assert leaver_client.get("/").status_code == 200
    page = f"/admin/staff/{leaver.id}"
    response = post(client, f"{page}/disable", page, reason="3月31日付 退職")
    assert response.status_code == 302
    assert leaver_client.get("/").status_code == 302
    assert submit_password(leaver_client, "taishoku2").status_code == 401
    disabled = [e for e in account_events(db, leaver.id) if e.event == "account_disabled"]
    assert disabled[0].reason == "3月31日付 退職"


def test_admin_cannot_disable_themselves_or_drop_their_own_admin_role(app, make_staff, clock, db):
    client, admin = admin_client(app, make_staff, clock)
    page = f"/admin/staff/{admin.id}"
    post(client, f"{page}/disable", page, reason="誤操作")
    post(client, f"{page}/permissions", page, roles=["counter"], reason="誤操作")
    staff = staff_by_login(db, "kanri9")
    assert staff.active and Role.ADMIN in staff.roles


def test_totp_reset_makes_the_person_enrol_again(app, make_staff, clock, db):
    client, _admin = admin_client(app, make_staff, clock)
    lost = make_staff("funshitsu1", Role.COUNTER)
    page = f"/admin/staff/{lost.id}"
    post(client, f"{page}/reset-totp", page, reason="端末の紛失")
    other = app.test_client()
    assert submit_password(other, "funshitsu1").headers["Location"].endswith("/login/enrol")
    # The old authenticator is forgotten: the code step sends the person to enrolment.
    assert other.get("/login/code").headers["Location"].endswith("/login/enrol")


def test_review_page_lists_accounts_unused_for_ninety_days(app, make_staff, clock, db):
    client, _admin = admin_client(app, make_staff, clock)
    stale = make_staff("furui1", Role.COUNTER)
    fresh = make_staff("atarashii1", Role.COUNTER)
    with db.transaction() as session:
        session.get(Staff, stale.id).last_login_at = clock.now - timedelta(days=91)
        session.get(Staff, fresh.id).last_login_at = clock.now - timedelta(days=89)
    body = client.get("/admin/review").get_data(as_text=True)
    assert ">furui1</a>" in body
    assert ">atarashii1</a>" not in body
    assert ">kanri9</a>" not in body  # just logged in


def test_first_admin_is_created_on_the_command_line_only_once(cli, db):
    args = ["staff", "create-admin", "--login-id", "kanri-shoki", "--name", "初期 管理者",
            "--department-code", "INFO", "--department-name", "総務局 情報政策課"]
    weak = cli.invoke(args=args, input="short\nshort\n")
    assert weak.exit_code != 0 and "12文字以上" in weak.output
    result = cli.invoke(args=args, input="shoki-kanri-pass-01\nshoki-kanri-pass-01\n")
    assert result.exit_code == 0, result.output
    staff = staff_by_login(db, "kanri-shoki")
    assert staff.roles == {Role.ADMIN} and not staff.must_change_password
    assert account_events(db, staff.id)[0].reason == "初期管理者の登録"
    again = cli.invoke(args=[*args[:3], "kanri-2", *args[4:]],
                       input="shoki-kanri-pass-02\nshoki-kanri-pass-02\n")
    assert again.exit_code != 0 and "既にいます" in again.output


def test_departments_are_registered_with_a_reason_and_offered_when_issuing(app, make_staff, clock, db):
    client, admin = admin_client(app, make_staff, clock)
    response = post(client, "/admin/departments", "/admin/departments",
                    code="relief", name="保健局 健康被害救済担当", reason="組織改正")
    assert response.status_code == 302
    duplicate = post(client, "/admin/departments", "/admin/departments",
                     code="RELIEF", name="重複", reason="組織改正")
    assert "既に使われています" in duplicate.get_data(as_text=True)
    assert "保健局 健康被害救済担当" in client.get("/admin/staff/new").get_data(as_text=True)
    with db.Session() as session:
        event = session.scalars(select(SecurityEvent).where(
            SecurityEvent.event == "department_created")).one()
    assert event.actor_id == admin.id and event.reason == "組織改正"
    assert event.detail == "RELIEF: 保健局 健康被害救済担当"
