"""What Sesshu provides about a person when another municipality asks (情報提供)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.intermediary.protocol import VaccinationEntry
from models.vaccination import VaccinationRecord


def records_to_provide(
    session: Session, resident_id: int, municipality_code: str
) -> list[VaccinationEntry]:
    """The doses given under this city's vouchers, in dose order.

    Doses registered here from another municipality's answer are that
    municipality's to provide, so they are left out.
    """
    rows = session.scalars(
        select(VaccinationRecord)
        .where(
            VaccinationRecord.resident_id == resident_id,
            VaccinationRecord.municipality_code == municipality_code,
        )
        .order_by(VaccinationRecord.dose_number, VaccinationRecord.vaccinated_on)
    )
    return [
        VaccinationEntry(
            dose_number=row.dose_number,
            vaccinated_on=row.vaccinated_on,
            product=row.product,
            manufacturer=row.manufacturer,
            lot_no=row.lot_no,
            clinic=row.clinic,
            doctor=row.doctor,
            category=row.category,
            municipality_code=row.municipality_code,
        )
        for row in rows
    ]
