"""A member of staff opens Sesshu in a browser and logs in with password and TOTP."""

import pyotp
import pytest
from playwright.sync_api import expect

from models.staff import Role
from tests.auth_helpers import PASSWORD

pytestmark = pytest.mark.browser


def test_staff_logs_in_with_password_and_totp_and_sees_their_screens(page, live_server, make_staff):
    account = make_staff("kansa-browser", Role.AUDITOR)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(live_server + "/")
    expect(page.locator("h1")).to_have_text("ログイン")  # nothing is shown before login
    page.get_by_label("職員ID").fill(account.login_id)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="次へ").click()

    page.get_by_label("確認コード").fill(pyotp.TOTP(account.secret).now())
    page.get_by_role("button", name="ログイン").click()

    expect(page.locator("h1")).to_have_text("予防接種事務 案件管理システム")
    assert "監査担当" in page.content()
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(246, 248, 250)"  # sesshu.css was served and applied under the CSP
    assert errors == []


def test_wrong_code_keeps_the_person_out(page, live_server, make_staff):
    account = make_staff("madoguchi-browser", Role.COUNTER)
    page.goto(live_server + "/")
    page.get_by_label("職員ID").fill(account.login_id)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="次へ").click()
    page.get_by_label("確認コード").fill("000000")
    page.get_by_role("button", name="ログイン").click()
    assert page.locator("h1").inner_text() != "予防接種事務 案件管理システム"
    page.goto(live_server + "/")
    expect(page.locator("h1")).to_have_text("ログイン")
