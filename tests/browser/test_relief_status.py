"""健康被害救済 in a browser, from 受付 to the claimant's status page: a counter clerk opens a
claim, completes 請求受付 on the task screen, prints the 受付票 for the 受付番号 and access code,
and the claimant (no login, a browser of their own) sees 「書類確認中」 and nothing personal."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from models import Role
from tests.browser.test_inbox_and_task import log_in
from tests.relief.conftest import (  # noqa: F401  (fixtures)
    CLAIMANT_NAME,
    relief_process,
    vaccinated,
)

pytestmark = pytest.mark.browser
SYMPTOMS = "接種翌日から発熱と関節痛"


def test_claim_received_on_the_screens_shows_documents_being_checked_to_the_claimant(
    page, browser, live_server, make_staff, relief_process, vaccinated, screenshot_dir,  # noqa: F811
):
    clerk = make_staff("madoguchi-kyusai", Role.COUNTER)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server, clerk)

    # the vaccination concerned, looked up as the clerk does before 請求受付
    page.get_by_role("link", name="救済請求").first.click()
    page.get_by_role("link", name="接種記録の確認（請求受付の前に）").click()
    page.get_by_label("宛名番号").fill(vaccinated.atena_no)
    page.get_by_role("button", name="表示する").click()
    record_no = page.locator("table.list tbody tr td").first.inner_text()
    assert record_no == str(vaccinated.record_id)

    page.get_by_role("link", name="救済請求").first.click()
    page.get_by_role("link", name="請求を受け付ける").click()
    page.get_by_role("button", name="受付を開始する").click()
    expect(page.locator("h1")).to_have_text("請求受付")
    page.get_by_label("宛名番号（接種を受けた方）").fill(vaccinated.atena_no)
    page.get_by_label("接種記録の番号").fill(record_no)
    page.get_by_label("接種区分").select_option("special_temporary")
    page.locator("select[name=claimant_type]").select_option("self")
    page.get_by_label("請求者氏名").fill(CLAIMANT_NAME)
    page.get_by_label("接種を受けた方との続柄").fill("本人")
    page.get_by_label("医療費", exact=True).check()
    page.get_by_label("医療手当", exact=True).check()
    page.get_by_label("発症日").fill("2023-01-11")
    page.get_by_label("症状の概要").fill(SYMPTOMS)
    page.screenshot(path=str(screenshot_dir / "relief_intake.png"), full_page=True)
    page.get_by_role("button", name="完了する").click()
    flash = page.locator(".flash-success").inner_text()
    assert "「請求受付」" in flash and "を完了しました" in flash

    page.get_by_role("link", name="救済請求").first.click()
    row = page.locator("table.list tbody tr", has_text="書類確認中")
    receipt_no = row.locator("td").first.inner_text()
    row.get_by_role("link", name=receipt_no).click()
    printed: list[bytes] = []

    def keep_slip(route) -> None:  # the PDF as the browser receives it (its viewer keeps no copy)
        response = route.fetch()
        printed.append(response.body())
        route.fulfill(response=response)

    page.route("**/receipt-slip", keep_slip)
    with page.expect_response(lambda response: response.url.endswith("/receipt-slip")) as slip:
        page.get_by_role("button", name=re.compile("受付票")).click()
    assert slip.value.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(printed[0])).pages)
    assert receipt_no in text
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", text).group(0)
    assert errors == []

    claimant = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    try:
        status = claimant.new_page()
        status.on("pageerror", lambda error: errors.append(str(error)))
        status.goto(live_server + "/status")
        status.get_by_label("受付番号").fill(receipt_no)
        status.get_by_label("アクセスコード").fill(code)
        status.get_by_role("button", name="確認する").click()
        assert status.locator(".status-current").inner_text() == "書類確認中"
        shown = status.content()
        for personal in (CLAIMANT_NAME, "花子", vaccinated.atena_no, vaccinated.my_number, SYMPTOMS, "医療費"):
            assert personal not in shown, personal
        status.screenshot(path=str(screenshot_dir / "relief_status.png"), full_page=True)
    finally:
        claimant.close()
    assert errors == []
