"""A clerk logs in, claims a task from the group inbox, drafts survive a reload, completes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from playwright.sync_api import expect

from models import Role
from tests.auth_helpers import PASSWORD
from tests.screens.conftest import add_resident, intake, open_case, task_row  # noqa: F401 - fixture

pytestmark = pytest.mark.browser



def log_in(page, live_server: str, account) -> None:
    page.goto(live_server + "/")
    page.get_by_label("職員ID").fill(account.login_id)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="次へ").click()
    page.get_by_label("確認コード").fill(pyotp.TOTP(account.secret).now())
    page.get_by_role("button", name="ログイン").click()


def test_clerk_claims_from_the_group_inbox_keeps_a_draft_over_a_reload_and_completes(
    page, live_server, make_staff, db, intake, screenshot_dir,  # noqa: F811 - the fixture imported above
):
    account = make_staff("madoguchi-inbox", Role.COUNTER)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    week_ago = datetime.now(UTC) - timedelta(days=6)
    open_case(db, lambda: week_ago, add_resident(db, 500, "白山", "花子", "ハナコ"))  # overdue
    case_no, guid = open_case(db, resident_id=add_resident(db, 501))
    for serial, family, given, kana in ((502, "野々市", "一郎", "イチロウ"), (503, "白山", "由美", "ユミ")):
        open_case(db, resident_id=add_resident(db, serial, family, given, kana))

    log_in(page, live_server, account)
    page.get_by_role("link", name="受信トレイ").first.click()
    page.get_by_role("link", name="グループ").click()
    row = page.locator("tr", has_text=case_no)
    assert "金沢\u3000太＊" in row.inner_text()
    assert "期限超過" in page.locator("tr.overdue").inner_text()
    page.screenshot(path=str(screenshot_dir / "inbox.png"), full_page=True)
    row.get_by_role("button", name="担当する").click()

    expect(page.locator("h1")).to_have_text("申請受付")
    assert "を担当しました" in page.locator(".flash-success").inner_text()
    page.get_by_label("備考").fill("本人確認は運転免許証で実施")
    page.wait_for_selector("#draft-status[data-state=saved]")
    page.reload()
    assert page.get_by_label("備考").input_value() == "本人確認は運転免許証で実施"
    assert "下書きを復元しました" in page.locator("#draft-status").inner_text()
    page.get_by_label("受付日").fill("2026-11-26")
    page.screenshot(path=str(screenshot_dir / "task.png"), full_page=True)
    page.get_by_role("button", name="完了する").click()

    assert "続けて「受付内容の登録」を開きました" in page.locator(".flash-success").inner_text()
    done = task_row(db, guid)
    assert done.state == "completed" and done.completed_by_id == account.id
    page.get_by_role("link", name="受信トレイ").first.click()
    page.get_by_role("link", name="完了済").click()
    assert case_no in page.locator("table.inbox").inner_text()

    page.get_by_role("link", name=case_no).first.click()  # the case page's timeline shows the work
    completion = page.locator("li.timeline-entry.event-complete", has_text="申請受付")
    assert account.login_id in completion.locator(".timeline-actor").inner_text()
    assert "本人確認は運転免許証で実施" in completion.locator(".timeline-fields").inner_text()
    assert errors == []


def test_bulk_claim_shows_a_progress_bar_until_done(page, live_server, make_staff, db, intake):  # noqa: F811
    account = make_staff("madoguchi-bulk", Role.COUNTER)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    guids = [open_case(db)[1] for _ in range(3)]
    log_in(page, live_server, account)
    page.goto(live_server + "/inbox/group")
    page.get_by_label("すべて選ぶ").check()
    page.get_by_role("button", name="まとめて担当する").click()

    expect(page.locator("h1")).to_have_text("作業の一括担当 3件")
    page.wait_for_selector("#job-status:text('完了')")
    assert page.locator("#job-bar").get_attribute("value") == "100"
    assert "3件のうち3件を担当しました" in page.locator("#job-message").inner_text()
    assert all(task_row(db, g).assignee_id == account.id for g in guids)
    page.get_by_role("link", name="元の画面に戻る").click()
    assert "該当する作業はありません" in page.locator("table.inbox").inner_text()
    assert errors == []
