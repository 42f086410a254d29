"""A supervisor opens a case and the dashboard in a real browser.

The case page's diagram (bpmn-js navigated viewer) must mark the task the case is waiting
on as active and the steps done as completed. Screenshots of both screens go to
the `screenshot_dir` fixture (docs/screenshots/ with `make screenshots`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from playwright.sync_api import expect

from models.case import Procedure
from models.staff import Role
from tests.auth_helpers import PASSWORD
from tests.cases.fixtures import actor
from tests.cases.helpers import instance_of, receive, start
from workflows.service import cancel_case

pytestmark = pytest.mark.browser



def log_in(page, live_server: str, account) -> None:
    page.goto(live_server + "/")
    page.get_by_label("職員ID").fill(account.login_id)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="次へ").click()
    page.get_by_label("確認コード").fill(pyotp.TOTP(account.secret).now())
    page.get_by_role("button", name="ログイン").click()
    expect(page.locator("h1")).to_have_text("予防接種事務 案件管理システム")


def element_classes(page, bpmn_id: str) -> set[str]:
    return set(page.get_attribute(f'g.djs-element[data-element-id="{bpmn_id}"]', "class").split())


def test_case_page_diagram_highlights_the_active_task(page, live_server, db, case_review, make_staff,
                                                      make_resident, screenshot_dir):
    counter = actor(make_staff("madoguchi-b", Role.COUNTER), Role.COUNTER)
    supervisor = make_staff("kantoku-b", Role.SUPERVISOR, may_view_my_number=False)
    person = make_resident()
    case_id = start(db, lambda: datetime.now(UTC), counter, resident_id=person.id)
    receive(db, lambda: datetime.now(UTC), case_id, counter)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    log_in(page, live_server, supervisor)
    page.goto(f"{live_server}/cases/{case_id}")
    page.wait_for_selector('g.djs-element[data-element-id="approve"].state-active')

    assert {"djs-shape", "state-active"} <= element_classes(page, "approve")
    assert "state-completed" in element_classes(page, "receive")
    assert "state-completed" in element_classes(page, "lookup")
    assert not {"state-active", "state-completed"} & element_classes(page, "notify")
    fill = page.evaluate(
        """() => getComputedStyle(document.querySelector(
             'g.djs-element[data-element-id="approve"] .djs-visual > :first-child')).fill"""
    )
    assert fill == "rgb(255, 210, 77)"  # the active colour from cases.css, applied under the CSP
    assert page.locator(".bjs-powered-by").is_visible()  # the bpmn.io watermark stays visible
    assert page.locator(".my-number").inner_text() == "********" + person.my_number[-4:]
    assert "「受付・内容確認」を完了" in page.locator(".timeline").inner_text()
    assert errors == []
    page.screenshot(path=str(screenshot_dir / "case_page.png"), full_page=True)


def test_dashboard_draws_the_weekly_chart(page, live_server, db, case_review, make_staff, make_resident,
                                          screenshot_dir):
    counter = actor(make_staff("madoguchi-c", Role.COUNTER), Role.COUNTER)
    boss = make_staff("kantoku-c", Role.SUPERVISOR)
    today = datetime.now(UTC)
    opened = [(70, Procedure.CERTIFICATE), (50, Procedure.RELIEF), (40, Procedure.CERTIFICATE),
              (30, Procedure.TRANSFER_IN), (20, Procedure.CERTIFICATE), (16, Procedure.CERTIFICATE),
              (12, Procedure.RELIEF), (9, Procedure.CERTIFICATE), (5, Procedure.CERTIFICATE),
              (3, Procedure.TRANSFER_IN), (1, Procedure.CERTIFICATE), (0, Procedure.CERTIFICATE)]
    for number, (days_ago, procedure) in enumerate(opened):
        moment = today - timedelta(days=days_ago)
        case_id = start(db, lambda moment=moment: moment, counter, procedure=procedure,
                        resident_id=make_resident(birth_date=datetime(1960 + number, 1, 1).date()).id)
        if number % 3 == 0:
            receive(db, lambda moment=moment: moment + timedelta(hours=2), case_id, counter)
        if number % 4 == 1:
            later = moment + timedelta(days=2)
            with db.transaction() as session:
                cancel_case(session, instance_of(session, case_id), actor(boss, Role.SUPERVISOR), "取下げ",
                            clock=lambda later=later: later)

    log_in(page, live_server, boss)
    page.goto(f"{live_server}/dashboard")
    chart = page.locator("#weekly-chart")
    assert chart.is_visible()
    assert chart.locator("rect.bar-opened").count() == 12 + 1  # twelve weeks and the legend
    assert int(page.locator("#total-open").inner_text()) == len(opened) - 3
    page.screenshot(path=str(screenshot_dir / "dashboard.png"), full_page=True)
