"""A counter clerk logs in, takes a certificate application through every step on the task
screen and prints the certificate."""

import pyotp
import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from models.staff import Role
from tests.auth_helpers import PASSWORD
from tests.certificate_factories import add_covid_doses, make_resident

pytestmark = pytest.mark.browser


def test_clerk_goes_from_login_to_a_printed_certificate(db, page, live_server, make_staff):
    account = make_staff("madoguchi-cert", Role.COUNTER)
    with db.transaction() as session:
        resident = make_resident(session, 31)
        resident.voucher_no = "0000000031"
        add_covid_doses(session, resident, 3)
        my_number = resident.my_number
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(live_server + "/")
    page.get_by_label("職員ID").fill(account.login_id)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="次へ").click()
    page.get_by_label("確認コード").fill(pyotp.TOTP(account.secret).now())
    page.get_by_role("button", name="ログイン").click()

    page.get_by_role("navigation").get_by_role("link", name="証明書交付申請の受付").click()
    page.get_by_role("button", name="受付を開始する").click()
    body = page.locator("body")
    expect(body).to_contain_text("申請受付")
    page.get_by_label("連絡先電話番号").fill("076-000-0000")
    page.get_by_role("button", name="完了する").click()

    expect(body).to_contain_text("本人確認")
    page.get_by_label("接種を受けた方の本人確認書類").select_option(label="マイナンバーカード")
    page.get_by_role("button", name="完了する").click()

    page.get_by_label("接種券番号（10桁）").fill("9999999999")
    page.get_by_role("button", name="完了する").click()
    expect(body).to_contain_text("本市の予防接種台帳にいません")  # the message, on the form
    page.get_by_label("接種券番号（10桁）").fill("0000000031")
    page.get_by_role("button", name="完了する").click()

    expect(body).to_contain_text("令和3年6月1日")
    expect(body).to_contain_text("証明できます")
    page.get_by_role("button", name="完了する").click()

    with page.expect_download() as download:
        page.get_by_role("link", name="接種証明書を印刷（PDF）").click()
    pdf = PdfReader(download.value.path())
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "新型コロナワクチン接種証明書" in text and "金沢" in text and "FA4597" in text
    assert my_number not in text.replace(" ", "")

    page.get_by_label("窓口で受け取った方の氏名").fill("金沢 太郎")
    page.get_by_role("button", name="完了する").click()
    expect(body).to_contain_text("完了しました")
    expect(body).to_contain_text("交付")
    assert errors == []
