"""Checks a dose must pass before it enters the 予防接種台帳, whether typed by staff or imported.

Each check returns Japanese reasons; an empty list means the dose is acceptable.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, fields
from datetime import date

from handlers.vaccine_products import find_product, lot_problem, same_maker
from models.resident import Resident
from models.search_keys import nfkc
from models.vaccination import VaccinationCategory, VaccinationRecord

LAST_SPECIAL_DAY = date(2024, 3, 31)  # 特例臨時接種 ended
FIRST_ROUTINE_DAY = date(2024, 4, 1)  # COVID-19 became a 定期接種 (B類)
MIN_DAYS_FIRST_INTERVAL = 18  # dose 1 → 2
BOOSTER_MONTHS = 3  # later doses: at least three months after the previous one
MAX_DOSE_NUMBER = 9


@dataclass
class Dose:
    """A dose as entered: the fields of a vaccination record a person can type or a file holds."""

    dose_number: int  # 接種回数
    vaccinated_on: date  # 接種日
    product: str  # ワクチン名
    manufacturer: str  # メーカー
    lot_no: str  # Lot.No
    clinic: str  # 実施医療機関
    doctor: str | None  # 接種医
    category: str  # 接種区分 (VaccinationCategory value)
    voucher_no: str | None = None  # 接種券番号

    @classmethod
    def of(cls, record: VaccinationRecord) -> Dose:
        return cls(**{f.name: getattr(record, f.name) for f in fields(cls)})

    def same_event(self, other: Dose) -> bool:
        return (self.dose_number, self.vaccinated_on, self.lot_no, _norm(self.product)) == (
            other.dose_number, other.vaccinated_on, other.lot_no, _norm(other.product))


DOSE_FIELDS = tuple(f.name for f in fields(Dose))
FIELD_LABELS = {
    "dose_number": "接種回数", "vaccinated_on": "接種日", "product": "ワクチン名",
    "manufacturer": "メーカー", "lot_no": "Lot.No", "clinic": "実施医療機関", "doctor": "接種医",
    "category": "接種区分", "voucher_no": "接種券番号",
}


def _norm(text: str) -> str:
    return "".join(nfkc(text).split())


def category_from_label(text: str) -> str | None:
    """接種区分 as written in a file or form (label or code) → the stored code."""
    wanted = _norm(text)
    for category in VaccinationCategory:
        if wanted in (_norm(category.label), category.value):
            return category.value
    return None


def check_dose(resident: Resident, dose: Dose, today: date) -> list[str]:
    """Everything that can be judged from the dose and the person alone."""
    problems = []
    day = dose.vaccinated_on
    if day > today:
        problems.append(f"接種日（{day}）が未来の日付です。")
    if day < resident.birth_date:
        problems.append(f"接種日（{day}）が生年月日より前です。")
    if resident.moved_in_on and day < resident.moved_in_on:
        problems.append(f"接種日（{day}）は転入日（{resident.moved_in_on}）より前です。"
                        "転入前の接種は転入元の記録として登録してください。")
    if resident.moved_out_on and day > resident.moved_out_on:
        problems.append(f"接種日（{day}）は転出日（{resident.moved_out_on}）より後です。")
    if resident.died_on and day > resident.died_on:
        problems.append(f"接種日（{day}）は死亡日（{resident.died_on}）より後です。")
    if not 1 <= dose.dose_number <= MAX_DOSE_NUMBER:
        problems.append(f"接種回数は1〜{MAX_DOSE_NUMBER}です。")
    product = find_product(dose.product)
    if product is None:
        problems.append(f"ワクチン名「{dose.product}」は登録されていません。")
    else:
        if not same_maker(product, dose.manufacturer):
            problems.append(f"メーカー「{dose.manufacturer}」は{product.name}のメーカー"
                            f"（{product.maker}）と一致しません。")
        if not product.first_day <= day <= product.last_day:
            problems.append(f"{product.name}は接種日（{day}）には使用されていません"
                            f"（使用期間 {product.first_day}〜{product.last_day}）。")
    if lot := lot_problem(dose.manufacturer, dose.lot_no):
        problems.append(lot)
    if not dose.clinic:
        problems.append("実施医療機関が空です。")
    if dose.category == VaccinationCategory.SPECIAL_TEMPORARY and day > LAST_SPECIAL_DAY:
        problems.append("特例臨時接種は2024年3月31日までの接種です。")
    if dose.category == VaccinationCategory.ROUTINE_B and day < FIRST_ROUTINE_DAY:
        problems.append("定期接種（B類）は2024年4月1日以降の接種です。")
    return problems


def check_sequence(dose: Dose, others: list[Dose]) -> list[str]:
    """Dose numbers and dates agree with the person's other doses (this one excluded)."""
    by_number = {d.dose_number: d for d in others}
    problems = []
    same_day = [d for d in others if d.vaccinated_on == dose.vaccinated_on]
    if same_day:
        problems.append(f"同じ接種日に別の接種記録（{same_day[0].dose_number}回目）があります。")
    if dose.dose_number in by_number:
        existing = by_number[dose.dose_number]
        problems.append(f"{dose.dose_number}回目の接種記録は登録済みです（接種日 "
                        f"{existing.vaccinated_on}）。誤りであれば訂正してください。")
        return problems
    previous = by_number.get(dose.dose_number - 1)
    if dose.dose_number > 1 and previous is None:
        problems.append(f"前回（{dose.dose_number - 1}回目）の接種記録がありません。")
    elif previous is not None:
        if dose.dose_number == 2:
            enough = (dose.vaccinated_on - previous.vaccinated_on).days >= MIN_DAYS_FIRST_INTERVAL
            rule = f"{MIN_DAYS_FIRST_INTERVAL}日"
        else:
            enough = dose.vaccinated_on >= _add_months(previous.vaccinated_on, BOOSTER_MONTHS)
            rule = f"{BOOSTER_MONTHS}か月"
        if not enough:
            problems.append(f"前回（{previous.dose_number}回目、{previous.vaccinated_on}）"
                            f"から{rule}以上の間隔がありません。")
    following = by_number.get(dose.dose_number + 1)
    if following is not None and following.vaccinated_on <= dose.vaccinated_on:
        problems.append(f"次の回（{following.dose_number}回目、{following.vaccinated_on}）"
                        "より後の接種日です。")
    return problems


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
