"""和暦 (Japanese era dates): display for letters and parsing of what staff type.

Dates are stored as ISO dates; 和暦 is only a way of writing them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Era:
    name: str  # 令和
    letter: str  # R
    start: date


# Newest first. 昭和64年 has only 7 days; 平成31年 ends on 4月30日.
ERAS = (
    Era("令和", "R", date(2019, 5, 1)),
    Era("平成", "H", date(1989, 1, 8)),
    Era("昭和", "S", date(1926, 12, 25)),
    Era("大正", "T", date(1912, 7, 30)),
)


class WarekiError(ValueError):
    """A 和暦 date that does not exist or cannot be read; the message is Japanese."""


def era_of(day: date) -> Era:
    for era in ERAS:
        if day >= era.start:
            return era
    raise WarekiError("大正より前の日付は扱えません。")


def era_year(day: date) -> tuple[Era, int]:
    era = era_of(day)
    return era, day.year - era.start.year + 1


def format_wareki(day: date) -> str:
    """2021-02-17 → 令和3年2月17日; the first year is written 元年."""
    era, year = era_year(day)
    year_text = "元" if year == 1 else str(year)
    return f"{era.name}{year_text}年{day.month}月{day.day}日"


def fiscal_year_era_prefix(day: date) -> str:
    """Era letter and year of the 年度 (April–March) containing `day`, e.g. R8."""
    fiscal_start = date(day.year if day.month >= 4 else day.year - 1, 4, 1)
    era, year = era_year(max(fiscal_start, era_of(day).start))
    return f"{era.letter}{year}"


_WAREKI = re.compile(
    r"^(?P<era>令和|平成|昭和|大正|[RHST])\s*(?P<year>元|\d{1,2})\s*[年.\-/]\s*"
    r"(?P<month>\d{1,2})\s*[月.\-/]\s*(?P<day>\d{1,2})\s*日?$"
)
_ISO = re.compile(r"^(?P<year>\d{4})[年.\-/](?P<month>\d{1,2})[月.\-/](?P<day>\d{1,2})日?$")


def parse_date(text: str) -> date:
    """Read an ISO or 和暦 date: 2024-03-31, 令和6年3月31日, R6.3.31, H31.4.30.

    A 和暦 date outside its era (H31.5.1 is 令和元年5月1日; S64.1.8 did not exist)
    is refused rather than silently moved into the next era.
    """
    normalized = unicodedata.normalize("NFKC", text or "").strip().upper()
    if match := _ISO.match(normalized):
        return _make_date(int(match["year"]), int(match["month"]), int(match["day"]))
    match = _WAREKI.match(normalized)
    if not match:
        raise WarekiError(f"日付として読めません: {text}")
    era = next(e for e in ERAS if match["era"] in (e.name, e.letter))
    year = 1 if match["year"] == "元" else int(match["year"])
    if year < 1:
        raise WarekiError(f"年が正しくありません: {text}")
    result = _make_date(era.start.year + year - 1, int(match["month"]), int(match["day"]))
    if era_of(result) != era:
        raise WarekiError(f"{era.name}{year}年{result.month}月{result.day}日は存在しません。")
    return result


def _make_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise WarekiError(f"存在しない日付です: {year}年{month}月{day}日") from exc
