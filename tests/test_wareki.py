from datetime import date

import pytest

from models.wareki import WarekiError, fiscal_year_era_prefix, format_wareki, parse_date


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2021, 2, 17), "令和3年2月17日"),
        (date(2024, 3, 31), "令和6年3月31日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
    ],
)
def test_format_wareki(day, text):
    assert format_wareki(day) == text
    assert parse_date(text) == day


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("R6.3.31", date(2024, 3, 31)),
        ("H31.4.30", date(2019, 4, 30)),
        ("2024-03-31", date(2024, 3, 31)),
        ("２０２４／３／３１", date(2024, 3, 31)),
        ("r6.3.31", date(2024, 3, 31)),
    ],
)
def test_parse_short_forms(text, day):
    assert parse_date(text) == day


@pytest.mark.parametrize("text", ["H31.5.1", "S64.1.8", "R6.2.30", "令和0年1月1日", "きのう"])
def test_impossible_dates_are_refused(text):
    with pytest.raises(WarekiError):
        parse_date(text)


def test_fiscal_year_prefix_follows_april_to_march():
    assert fiscal_year_era_prefix(date(2026, 11, 26)) == "R8"
    assert fiscal_year_era_prefix(date(2026, 3, 31)) == "R7"
    assert fiscal_year_era_prefix(date(2026, 4, 1)) == "R8"
