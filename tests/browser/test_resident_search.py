"""Counter staff search a person, give the 処理事由 and open the resident page in a browser."""

from datetime import date

import pyotp
import pytest
from playwright.sync_api import expect

from models import AccessLog, Resident
from models.demo.people import synthetic_my_number
from models.staff import Role
from tests.auth_helpers import PASSWORD

pytestmark = pytest.mark.browser


def test_search_give_a_reason_and_open_the_resident_page(page, live_server, make_staff, db):
    with db.transaction() as session:
        session.add(Resident(
            atena_no="0000054321", my_number=synthetic_my_number(54321), family_name="髙橋",
            given_name="一郎", family_name_kana="タカハシ", given_name_kana="イチロウ",
            name_kana="タカハシ\u3000イチロウ", birth_date=date(1975, 8, 15), sex="1",
            address="石川県金沢市広坂二丁目9番99号", voucher_no="5000054321",
        ))
    account = make_staff("madoguchi-search", Role.COUNTER)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(live_server + "/")
    page.get_by_label("職員ID").fill(account.login_id)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="次へ").click()
    page.get_by_label("確認コード").fill(pyotp.TOTP(account.secret).now())
    page.get_by_role("button", name="ログイン").click()

    page.get_by_role("link", name="住民検索").first.click()
    expect(page.locator("h1")).to_have_text("住民検索")
    assert page.get_by_label("個人番号").count() == 0  # no permission, no field
    page.get_by_label("氏名（漢字またはカナ）").fill("高橋")
    page.get_by_label("生年月日", exact=False).fill("昭和50年8月15日")
    page.get_by_role("button", name="3情報で検索").click()
    results = page.get_by_role("region", name="検索結果")
    assert "髙橋\u3000一郎" in results.inner_text()

    page.locator("select[name=reason]").select_option("窓口での証明書交付申請")
    page.get_by_role("button", name="髙橋\u3000一郎を開く").click()
    assert page.locator("h1").inner_text().startswith("髙橋\u3000一郎")
    assert "処理事由: 窓口での証明書交付申請" in page.content()
    assert synthetic_my_number(54321)[-4:] in page.content()
    assert synthetic_my_number(54321) not in page.content()
    assert errors == []
    with db.transaction() as session:
        actions = [(row.action, row.reason) for row in session.query(AccessLog).order_by(AccessLog.id)]
    assert actions == [("search", None), ("view", "窓口での証明書交付申請")]
