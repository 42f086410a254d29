"""Auditors search the access log, export it as CSV (itself logged) and read the login log."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import select, update

from models.access_log import AccessAction, AccessLog, Actor, record_access
from models.staff import Role
from tests.auth_helpers import log_in, submit_password

COUNTER = Actor(None, "窓口 一郎", "予防接種担当", "10.0.0.5 Firefox")
EXAMINER = Actor(None, "審査 三郎", "健康被害救済担当", "10.0.0.6 Edge")


def seed_log(db) -> None:
    rows = [
        (COUNTER, AccessAction.VIEW, "0000000101", datetime(2026, 3, 30, 14, 59, tzinfo=UTC)),
        (COUNTER, AccessAction.PRINT, "0000000101", datetime(2026, 3, 30, 15, 0, tzinfo=UTC)),
        (EXAMINER, AccessAction.VIEW, "0000000202", datetime(2026, 3, 31, 2, 0, tzinfo=UTC)),
    ]
    with db.transaction() as session:
        for actor, action, atena, at in rows:
            record_access(session, actor, action, atena_no=atena, reason="本人・代理人からの問い合わせ",
                          now=at)


def auditor(app, make_staff, clock):
    client = app.test_client()
    log_in(client, make_staff("kansa9", Role.AUDITOR), clock.now)
    return client


def table_rows(body: str) -> int:
    return body.split("<tbody>")[1].count("<tr><td>")


def test_search_by_person_staff_action_and_japanese_dates(app, make_staff, clock, db):
    seed_log(db)
    client = auditor(app, make_staff, clock)
    body = client.get("/audit/access-log?person=0000000101").get_data(as_text=True)
    assert table_rows(body) == 2 and "0000000202" not in body.split("<tbody>")[1]
    assert table_rows(client.get("/audit/access-log?staff=審査").get_data(as_text=True)) == 1
    assert table_rows(client.get("/audit/access-log?action=print").get_data(as_text=True)) == 1
    # 2026-03-31 in Japan time starts at 2026-03-30 15:00 UTC.
    body = client.get("/audit/access-log?date_from=2026-03-31&date_to=2026-03-31"
                      "&action=print").get_data(as_text=True)
    assert table_rows(body) == 1
    body = client.get("/audit/access-log?date_from=2026-03-30&date_to=2026-03-30"
                      "&person=0000000101&action=view").get_data(as_text=True)
    assert table_rows(body) == 1
    bad = client.get("/audit/access-log?date_from=2026-04-02&date_to=2026-04-01")
    assert "期間の終わりが始まりより前" in bad.get_data(as_text=True)
    # Searching a person's log is itself a logged search, by the auditor.
    with db.Session() as session:
        searches = session.scalars(select(AccessLog).where(
            AccessLog.action == "search")).all()
    assert {s.staff_name for s in searches} == {"試験 kansa9"}
    assert {s.atena_no for s in searches} == {"0000000101"}


def test_csv_export_holds_the_result_and_is_itself_logged(app, make_staff, clock, db):
    seed_log(db)
    client = auditor(app, make_staff, clock)
    response = client.get("/audit/access-log.csv?person=0000000101")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["ID", "処理日時", "職員ID番号", "職員"]
    assert [r[8] for r in rows[1:]] == ["参照", "印刷・発行", "書き出し"]
    assert rows[1][1] == "2026-03-30 23:59:00"  # Japan time
    with db.Session() as session:
        export = session.scalars(select(AccessLog).where(AccessLog.action == "export")).one()
    assert export.staff_name == "試験 kansa9"
    assert export.atena_no == "0000000101"
    assert "2件" in export.detail


def test_login_and_operation_log_is_visible_to_auditors(app, make_staff, clock, db):
    client = auditor(app, make_staff, clock)
    submit_password(app.test_client(), "kansa9", "wrong-password-123")  # from another browser
    body = client.get("/audit/security-log").get_data(as_text=True)
    assert "ログイン失敗" in body and "ログイン" in body
    body = client.get("/audit/security-log?event=login_failed").get_data(as_text=True)
    assert table_rows(body) == 1


def test_integrity_page_reports_a_tampered_row(app, make_staff, clock, db):
    seed_log(db)
    client = auditor(app, make_staff, clock)
    assert "改ざんは見つかりませんでした" in client.get("/audit/integrity").get_data(as_text=True)
    with db.engine.begin() as connection:
        first = connection.execute(select(AccessLog.id).order_by(AccessLog.id)).scalars().first()
        connection.execute(update(AccessLog).where(AccessLog.id == first).values(reason="改ざん"))
    body = client.get("/audit/integrity").get_data(as_text=True)
    assert f"ID {first} の行の内容が改ざんされています" in body
