"""A person opening Sesshu in a browser sees Japanese pages, styled, with no script errors."""

import pytest

pytestmark = pytest.mark.browser


def test_front_page_renders_in_japanese_with_its_stylesheet(page, live_server):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server + "/")
    assert page.locator("h1").inner_text() == "予防接種事務 案件管理システム"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(246, 248, 250)"  # sesshu.css was served and applied
    assert errors == []


def test_unknown_address_shows_a_japanese_error_page(page, live_server):
    response = page.goto(live_server + "/no-such-page")
    assert response.status == 404
    assert "お探しのページは見つかりません" in page.content()
