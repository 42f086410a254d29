"""保存期間 (retention) of vaccination records.

予防接種法施行規則 第3条 asks for records to be kept at least five years from the
vaccination. Records past that minimum whose person no longer lives here (転出 or
死亡) are candidates for deletion; deleting them needs a supervisor-approved request.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.resident import Resident, ResidentStatus
from models.vaccination import VaccinationRecord

LEGAL_MINIMUM_YEARS = 5


@dataclass(frozen=True)
class RetentionCandidate:
    record_id: int
    atena_no: str
    name: str
    status: str  # 転出 / 死亡
    left_on: date | None  # 転出日 or 死亡日, when known
    vaccinated_on: date
    dose_number: int
    product: str


def retention_cutoff(today: date, years: int = LEGAL_MINIMUM_YEARS) -> date:
    """Doses given before this day have been kept `years` full years by `today`."""
    year = today.year - years
    return date(year, today.month, min(today.day, calendar.monthrange(year, today.month)[1]))


def records_past_retention(
    session: Session, *, today: date, years: int = LEGAL_MINIMUM_YEARS
) -> Iterator[RetentionCandidate]:
    """Records older than the minimum, of people no longer resident; oldest first."""
    cutoff = retention_cutoff(today, years)
    query = (
        select(VaccinationRecord, Resident)
        .join(Resident, VaccinationRecord.resident_id == Resident.id)
        .where(VaccinationRecord.vaccinated_on < cutoff,
               Resident.status != ResidentStatus.RESIDENT)
        .order_by(VaccinationRecord.vaccinated_on, VaccinationRecord.id)
    )
    for record, person in session.execute(query).yield_per(1000):
        yield RetentionCandidate(
            record_id=record.id, atena_no=person.atena_no, name=person.full_name,
            status=ResidentStatus(person.status).label,
            left_on=person.died_on if person.status == ResidentStatus.DECEASED
            else person.moved_out_on,
            vaccinated_on=record.vaccinated_on, dose_number=record.dose_number,
            product=record.product,
        )
