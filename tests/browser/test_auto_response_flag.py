"""自動応答不可フラグ through the screens: one flag officer requests it, the same person is
refused the confirmation, a second one confirms it beside the request's content, and the
中間サーバ (the simulator, a real HTTP server on 127.0.0.1) acknowledges it."""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from models import AutoResponseFlag, Case, HumanTask, Role
from tests.auth_helpers import PASSWORD
from tests.exchange.conftest import people, running, wait_for  # noqa: F401 - fixture

pytestmark = pytest.mark.browser


def log_in(page, base: str, account) -> None:
    page.goto(base + "/")
    page.get_by_label("職員ID").fill(account.login_id)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="次へ").click()
    page.get_by_label("確認コード").fill(pyotp.TOTP(account.secret).now())
    page.get_by_role("button", name="ログイン").click()


def ready_guid(db, case_id: int, bpmn_id: str) -> str:
    with db.transaction() as session:
        return session.scalars(select(HumanTask.task_guid).where(
            HumanTask.case_id == case_id, HumanTask.bpmn_id == bpmn_id, HumanTask.state == "ready")).one()


def acknowledgement(db) -> str | None:
    with db.transaction() as session:
        return session.scalars(select(AutoResponseFlag.ack_id)).one_or_none()


def test_one_officer_requests_another_confirms_and_the_acknowledgement_shows(
    app, db, browser, page, make_staff, people, screenshot_dir,  # noqa: F811 - the fixture imported above
):
    requester = make_staff("flag-request", Role.FLAG_OFFICER)
    confirmer = make_staff("flag-confirm", Role.FLAG_OFFICER)
    person = people(40)
    errors: list[str] = []
    with running(app) as exchange:
        base = exchange.callback_url.removesuffix("/intermediary/callback")
        page.on("pageerror", lambda error: errors.append(str(error)))
        log_in(page, base, requester)
        page.goto(f"{base}/exchange/residents/{person.atena_no}/flag")
        assert "設定なし" in page.locator("main").inner_text()
        page.get_by_role("button", name="フラグの設定を依頼する（二者確認）").click()

        expect(page.locator("h1")).to_have_text("フラグ設定の依頼（理由・支援措置の確認）")
        page.get_by_label("理由区分").select_option("dv")
        page.get_by_label("支援措置の決定番号等").fill("支援第2026-0052号")
        page.get_by_label("支援措置の開始日").fill("2026-11-01")
        page.get_by_label("証拠書類を確認した").check()
        page.get_by_role("button", name="完了する").click()
        with db.transaction() as session:
            case_id, case_no = session.execute(select(Case.id, Case.case_no)).one()
        guid = ready_guid(db, case_id, "confirm_flag")

        # The requester cannot confirm their own request, whatever they submit.
        page.goto(f"{base}/tasks/{guid}")
        page.get_by_label("確認結果").select_option("confirm")
        page.get_by_label("証拠書類と照合した").check()
        page.get_by_role("button", name="完了する").click()
        assert "二者確認のため" in page.locator("main").inner_text()
        assert ready_guid(db, case_id, "confirm_flag") == guid

        second = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
        other = second.new_page()
        other.on("pageerror", lambda error: errors.append(str(error)))
        log_in(other, base, confirmer)
        other.goto(f"{base}/inbox/group")
        other.locator("tr", has_text=case_no).get_by_role("button", name="担当する").click()
        expect(other.locator("h1")).to_have_text("依頼内容の確認（二人目・証拠書類と照合）")
        summary = other.locator("aside").inner_text()
        assert "DV（配偶者等からの暴力）" in summary and "支援第2026-0052号" in summary
        assert "2026-11-01 〜 2027-10-31" in summary
        assert "証拠書類（支援措置の決定通知等）と照合してください" in other.locator("#task-form").inner_text()
        other.screenshot(path=str(screenshot_dir / "flag_confirm.png"), full_page=True)
        other.get_by_label("確認結果").select_option("confirm")
        other.get_by_label("証拠書類と照合した").check()
        other.get_by_role("button", name="完了する").click()
        assert exchange.state()["flags"] == {}  # sent only by the worker, after the commit

        exchange.work()
        wait_for(lambda: exchange.state()["flags"])
        ack_id = wait_for(lambda: acknowledgement(db))
        other.goto(f"{base}/exchange/residents/{person.atena_no}/flag")
        shown = other.locator("main").inner_text()
        assert "設定中" in shown and "反映待ち" not in shown and ack_id in shown
        assert "中間サーバの受領確認" in shown
        second.close()
    assert errors == []
