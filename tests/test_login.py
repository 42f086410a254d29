"""Logging in takes ID, password and a TOTP code; failures lock the account; sessions end."""

from __future__ import annotations

import threading
from datetime import timedelta

import pyotp
from sqlalchemy import select

from models.access_log import AccessLog
from models.security_event import SecurityEvent, SecurityEventKind
from models.staff import Role, Staff
from models.staff_session import StaffSession
from tests.auth_helpers import PASSWORD, csrf_token, log_in, log_out, submit_code, submit_password

REFUSAL = "ログインできませんでした"


def events(db, kind: SecurityEventKind | None = None) -> list[SecurityEvent]:
    with db.Session() as session:
        query = select(SecurityEvent).order_by(SecurityEvent.id)
        if kind is not None:
            query = query.where(SecurityEvent.event == kind.value)
        return list(session.scalars(query))


def flash_message(response) -> str:
    return response.get_data(as_text=True).split('class="flash flash-error"')[1].split("</p>")[0]


def staff_row(db, staff_id: int) -> Staff:
    with db.Session() as session:
        return session.get(Staff, staff_id)


def test_password_and_code_log_in_and_land_on_the_personal_home_page(client, make_staff, clock, db):
    account = make_staff("madoguchi9", Role.COUNTER)
    response = log_in(client, account, clock.now)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "試験 madoguchi9" in home.get_data(as_text=True)
    [login] = events(db, SecurityEventKind.LOGIN)
    assert login.subject_login_id == "madoguchi9"
    assert staff_row(db, account.id).last_login_at == clock.now


def test_password_alone_does_not_give_access(client, make_staff, clock):
    account = make_staff("kansa9", Role.AUDITOR)
    assert submit_password(client, account.login_id).status_code == 302
    response = client.get("/audit/access-log")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_unknown_id_wrong_password_and_locked_account_read_the_same(client, make_staff, clock, db):
    make_staff("madoguchi9", Role.COUNTER)
    unknown = submit_password(client, "nobody-here")
    wrong = submit_password(client, "madoguchi9", "wrong-password-123")
    for _ in range(4):
        submit_password(client, "madoguchi9", "wrong-password-123")
    locked = submit_password(client, "madoguchi9")  # right password, but locked
    assert unknown.status_code == wrong.status_code == locked.status_code == 401
    messages = {flash_message(r) for r in (unknown, wrong, locked)}
    assert len(messages) == 1 and REFUSAL in messages.pop()
    failed = events(db, SecurityEventKind.LOGIN_FAILED)
    assert failed[0].subject_id is None and failed[0].detail == "登録されていない職員ID"


def test_five_failures_lock_for_fifteen_minutes_then_login_works(client, make_staff, clock, db):
    account = make_staff("madoguchi9", Role.COUNTER)
    for _ in range(5):
        assert submit_password(client, account.login_id, "wrong-password-123").status_code == 401
    assert len(events(db, SecurityEventKind.LOCKED)) == 1
    assert staff_row(db, account.id).locked_until == clock.now + timedelta(minutes=15)
    clock.advance(minutes=14, seconds=50)
    assert submit_password(client, account.login_id).status_code == 401
    clock.advance(seconds=15)
    response = log_in(client, account, clock.now)
    assert response.headers["Location"] == "/"
    assert staff_row(db, account.id).failed_logins == 0


def test_wrong_codes_count_towards_the_lockout(client, make_staff, clock, db):
    account = make_staff("madoguchi9", Role.COUNTER)
    submit_password(client, account.login_id)
    for attempt in range(5):
        response = submit_code(client, account.code(clock.now, steps=5))
        if attempt < 4:
            assert response.status_code == 401
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert len(events(db, SecurityEventKind.TOTP_FAILED)) == 5
    assert len(events(db, SecurityEventKind.LOCKED)) == 1
    assert submit_password(client, account.login_id).status_code == 401


def test_a_replayed_code_is_refused(client, make_staff, clock):
    account = make_staff("madoguchi9", Role.COUNTER)
    assert log_in(client, account, clock.now).headers["Location"] == "/"
    log_out(client)
    clock.advance(seconds=10)  # same 30-second step: the same code
    submit_password(client, account.login_id)
    replay = submit_code(client, account.code(clock.now))
    assert replay.status_code == 401
    assert "既に使用されたコード" in replay.get_data(as_text=True)
    clock.advance(seconds=30)
    assert submit_code(client, account.code(clock.now)).headers["Location"] == "/"


def test_codes_from_outside_the_drift_window_are_refused(client, make_staff, clock):
    account = make_staff("madoguchi9", Role.COUNTER)
    submit_password(client, account.login_id)
    assert submit_code(client, account.code(clock.now, steps=-2)).status_code == 401
    assert submit_code(client, account.code(clock.now, steps=2)).status_code == 401
    # One step of clock drift is tolerated.
    assert submit_code(client, account.code(clock.now, steps=-1)).headers["Location"] == "/"


def test_first_login_enrols_totp_only_after_a_confirmed_code(app, client, make_staff, clock, db):
    account = make_staff("shinnin1", Role.COUNTER, enrolled=False)
    response = submit_password(client, account.login_id)
    assert response.headers["Location"].endswith("/login/enrol")
    page = client.get("/login/enrol").get_data(as_text=True)
    assert "<svg" in page
    secret = page.split('class="secret">')[1].split("<")[0].replace(" ", "")
    assert staff_row(db, account.id).totp_secret is None
    cookie = client.get_cookie("sesshu_session").value
    session_data = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert secret not in str(session_data)  # the secret is not carried in the cookie either
    assert client.get("/").status_code == 302  # not logged in while enrolling

    wrong = submit_code(client, pyotp.TOTP(secret).at(clock.now, counter_offset=5),
                        path="/login/enrol")
    assert "確認コードが一致しません" in wrong.get_data(as_text=True)
    assert staff_row(db, account.id).totp_secret is None

    done = submit_code(client, pyotp.TOTP(secret).at(clock.now), path="/login/enrol")
    assert done.status_code == 200
    body = done.get_data(as_text=True)
    codes = [c.split("</code>")[0] for c in body.split("<li><code>")[1:]]
    assert len(codes) == 10
    assert staff_row(db, account.id).totp_secret == secret
    assert client.get("/").status_code == 200
    assert len(events(db, SecurityEventKind.TOTP_ENROLLED)) == 1

    # A recovery code replaces the TOTP code, once.
    log_out(client)
    submit_password(client, account.login_id)
    assert submit_code(client, codes[0]).headers["Location"] == "/"
    log_out(client)
    submit_password(client, account.login_id)
    assert submit_code(client, codes[0]).status_code == 401


def test_logout_ends_the_session_on_the_server(client, make_staff, clock, db):
    account = make_staff("madoguchi9", Role.COUNTER)
    log_in(client, account, clock.now)
    stolen = client.get_cookie("sesshu_session").value
    assert log_out(client).headers["Location"] == "/login"
    client.set_cookie("sesshu_session", stolen)
    assert client.get("/").status_code == 302
    with db.Session() as session:
        [record] = session.scalars(select(StaffSession)).all()
    assert record.end_reason == "logout"


def test_idle_session_ends_after_fifteen_minutes(client, make_staff, clock, db):
    account = make_staff("madoguchi9", Role.COUNTER)
    log_in(client, account, clock.now)
    clock.advance(minutes=14)
    assert client.get("/").status_code == 200
    clock.advance(minutes=14)  # activity above reset the idle timer
    assert client.get("/").status_code == 200
    clock.advance(minutes=15, seconds=1)
    response = client.get("/")
    assert response.status_code == 302
    assert "一定時間操作がなかった" in client.get("/login").get_data(as_text=True)
    with db.Session() as session:
        assert session.scalars(select(StaffSession.end_reason)).one() == "idle"
    assert len(events(db, SecurityEventKind.SESSION_EXPIRED)) == 1


def test_session_ends_eight_hours_after_login_even_when_busy(client, make_staff, clock, db):
    account = make_staff("madoguchi9", Role.COUNTER)
    log_in(client, account, clock.now)
    for _ in range(47):  # 7 h 50 min of steady work
        clock.advance(minutes=10)
        assert client.get("/").status_code == 200
    clock.advance(minutes=10, seconds=1)
    assert client.get("/").status_code == 302
    with db.Session() as session:
        assert session.scalars(select(StaffSession.end_reason)).one() == "absolute"


def test_temporary_password_must_be_replaced_under_the_policy(client, make_staff, clock, db):
    account = make_staff("shinnin2", Role.COUNTER, must_change_password=True)
    submit_password(client, PASSWORD, "typed-into-the-wrong-box")  # password typed as the ID
    submit_password(client, account.login_id, "wrong-password-123")
    log_in(client, account, clock.now)
    assert client.get("/").headers["Location"] == "/account/password"

    def change(new: str, confirm: str | None = None):
        token = csrf_token(client, "/account/password")
        return client.post("/account/password", data={
            "current_password": PASSWORD, "new_password": new,
            "confirm": new if confirm is None else confirm, "csrf_token": token})

    assert "12文字以上" in change("short-pw").get_data(as_text=True)
    assert "推測されやすい" in change("password1234").get_data(as_text=True)
    assert "一致しません" in change("a-long-new-passphrase", "different-one-here").get_data(as_text=True)
    new_password = "a-long-new-passphrase"
    assert change(new_password).headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert staff_row(db, account.id).must_change_password is False
    # Neither the old nor the new password is in any log row.
    with db.Session() as session:
        for model in (SecurityEvent, AccessLog):
            for row in session.scalars(select(model)):
                for column in model.__table__.columns:
                    value = str(getattr(row, column.key) or "")
                    assert PASSWORD not in value and new_password not in value
                    assert account.secret not in value


def test_disabled_account_cannot_log_in(client, make_staff, clock):
    account = make_staff("taishoku1", Role.COUNTER, active=False)
    response = submit_password(client, account.login_id)
    assert response.status_code == 401
    assert REFUSAL in response.get_data(as_text=True)


def test_after_login_the_person_returns_to_the_page_they_asked_for(client, make_staff, clock):
    account = make_staff("kansa9", Role.AUDITOR)
    response = client.get("/audit/access-log?person=0000000101")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url.startswith("/login?next=")
    token = csrf_token(client, login_url)
    client.post(login_url, data={"login_id": "kansa9", "password": PASSWORD, "csrf_token": token})
    done = submit_code(client, account.code(clock.now))
    assert done.headers["Location"] == "/audit/access-log?person=0000000101"


def test_login_never_redirects_to_another_site(client, make_staff, clock):
    account = make_staff("madoguchi9", Role.COUNTER)
    for target in ("//evil.example/", "https://evil.example/", "/\t/evil.example/", "/\\evil"):
        clock.advance(seconds=30)
        token = csrf_token(client, "/login")
        client.post("/login", query_string={"next": target},
                    data={"login_id": "madoguchi9", "password": PASSWORD, "csrf_token": token})
        assert submit_code(client, account.code(clock.now)).headers["Location"] == "/", target
        log_out(client)


def test_login_works_on_the_system_clock(staff_client):
    client, account = staff_client(Role.COUNTER)
    assert f"試験 {account.login_id}" in client.get("/").get_data(as_text=True)


def test_parallel_guesses_are_each_counted_and_cannot_outrun_the_lockout(app, make_staff, clock, db):
    account = make_staff("madoguchi9", Role.COUNTER)
    clients = [app.test_client() for _ in range(8)]
    tokens = [csrf_token(c, "/login") for c in clients]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def guess(client, token):
        barrier.wait()
        response = client.post("/login", data={"login_id": account.login_id,
                                               "password": "wrong-password-123",
                                               "csrf_token": token})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [401] * 8
    counted = [e.detail for e in events(db, SecurityEventKind.LOGIN_FAILED)]
    assert sorted(counted) == sorted(
        [f"連続{n}回目" for n in range(1, 6)] + ["ロック中のアカウント"] * 3)
    assert len(events(db, SecurityEventKind.LOCKED)) == 1
