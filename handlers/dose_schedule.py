"""A person's dose schedule (接種スケジュール) for the resident page: the doses recorded, the
interval from each previous dose, where each was given, and when the next may be given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.vaccination_rules import (
    BOOSTER_MONTHS,
    MAX_DOSE_NUMBER,
    MIN_DAYS_FIRST_INTERVAL,
    _add_months,
)
from models.vaccination import VaccinationCategory, VaccinationRecord


@dataclass(frozen=True)
class ScheduledDose:
    record: VaccinationRecord
    days_since_previous: int | None  # None for the first recorded dose or after a gap
    given_elsewhere: bool  # the voucher of another municipality (before moving in)
    category_label: str


@dataclass(frozen=True)
class DoseSchedule:
    doses: list[ScheduledDose]
    missing_numbers: list[int]  # dose numbers below the highest recorded that have no record
    next_dose_number: int | None
    next_dose_from: date | None  # earliest date the next dose respects the interval rules
    interval_rule: str | None


def dose_schedule(session: Session, resident_id: int, own_municipality_code: str) -> DoseSchedule:
    records = list(session.scalars(
        select(VaccinationRecord).where(VaccinationRecord.resident_id == resident_id)
        .order_by(VaccinationRecord.dose_number, VaccinationRecord.vaccinated_on)
    ))
    by_number = {r.dose_number: r for r in records}
    doses = []
    for record in records:
        previous = by_number.get(record.dose_number - 1)
        doses.append(ScheduledDose(
            record=record,
            days_since_previous=(record.vaccinated_on - previous.vaccinated_on).days if previous else None,
            given_elsewhere=record.municipality_code != own_municipality_code,
            category_label=_category(record.category),
        ))
    highest = max(by_number, default=0)
    missing = [n for n in range(1, highest) if n not in by_number]
    if highest >= MAX_DOSE_NUMBER:
        return DoseSchedule(doses, missing, None, None, None)
    last = by_number.get(highest)
    if last is None:
        return DoseSchedule(doses, missing, 1, None, None)
    if highest == 1:
        return DoseSchedule(doses, missing, 2, date.fromordinal(last.vaccinated_on.toordinal()
                                                                 + MIN_DAYS_FIRST_INTERVAL),
                            f"前回から{MIN_DAYS_FIRST_INTERVAL}日以上")
    return DoseSchedule(doses, missing, highest + 1, _add_months(last.vaccinated_on, BOOSTER_MONTHS),
                        f"前回から{BOOSTER_MONTHS}か月以上")


def _category(value: str) -> str:
    try:
        return VaccinationCategory(value).label
    except ValueError:
        return value
