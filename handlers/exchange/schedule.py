"""Which doses remain for a resident: the basis of the 個別通知 after a transfer-in.

Since 2024-10-01 the COVID-19 vaccination offered under the Act is the 定期接種（B類）
for people aged 65 and over, once in each fiscal year (4月〜翌3月). A 転入者 of that
age whose history shows no such dose in the current fiscal year is told that one
dose remains; younger people get no notice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from models.vaccination import VaccinationCategory, VaccinationRecord
from models.wareki import format_wareki

ROUTINE_AGE = 65  # 定期接種（B類）の対象年齢


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def fiscal_year_start(day: date) -> date:
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def oldest_birth_date(day: date) -> date:
    """The latest birth date of someone aged ROUTINE_AGE or more on `day`."""
    if (day.month, day.day) == (2, 29):
        return date(day.year - ROUTINE_AGE, 2, 28)
    return day.replace(year=day.year - ROUTINE_AGE)


def in_eligible_age_group(birth: date, day: date) -> bool:
    return age_on(birth, day) >= ROUTINE_AGE


@dataclass(frozen=True)
class RemainingDose:
    label: str
    period: str


def remaining_doses(
    birth: date, history: Sequence[VaccinationRecord], today: date
) -> list[RemainingDose]:
    if not in_eligible_age_group(birth, today):
        return []
    start = fiscal_year_start(today)
    end = date(start.year + 1, 3, 31)
    done = any(
        r.category == VaccinationCategory.ROUTINE_B and start <= r.vaccinated_on <= end
        for r in history
    )
    if done:
        return []
    return [
        RemainingDose(
            label="新型コロナウイルス感染症 定期接種（B類） 1回",
            period=f"{format_wareki(today)}から{format_wareki(end)}まで",
        )
    ]
