"""Entering and correcting a vaccination record (接種記録の登録・訂正), every change versioned.

The screens call these in their own transaction; each change writes
`vaccination_record_change` rows (who, when, which field, old and new value), and
a correction must name the version it was made from, so two staff correcting the
same record at once cannot overwrite each other unseen.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.vaccination_rules import (
    DOSE_FIELDS,
    FIELD_LABELS,
    Dose,
    check_dose,
    check_sequence,
)
from models.resident import Resident
from models.vaccination import DEFAULT_MUNICIPALITY_CODE, VaccinationRecord
from models.vaccination_change import ChangeAction, VaccinationRecordChange


class VaccinationError(ValueError):
    """The record cannot be saved; `problems` are Japanese messages for the screen."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


class VersionConflict(VaccinationError):
    """Someone saved the record after the caller read it."""


def doses_of(session: Session, resident_id: int, *, except_id: int | None = None) -> list[Dose]:
    query = select(VaccinationRecord).where(VaccinationRecord.resident_id == resident_id)
    if except_id is not None:
        query = query.where(VaccinationRecord.id != except_id)
    return [Dose.of(r) for r in session.scalars(query)]


def register_dose(
    session: Session,
    *,
    resident_id: int,
    dose: Dose,
    staff_id: int,
    today: date | None = None,
    municipality_code: str = DEFAULT_MUNICIPALITY_CODE,
) -> VaccinationRecord:
    """Add one dose typed by a staff member; raises VaccinationError with every problem."""
    resident = session.get(Resident, resident_id)
    if resident is None:
        raise VaccinationError(["住民が見つかりません。"])
    problems = check_dose(resident, dose, today or date.today())
    problems += check_sequence(dose, doses_of(session, resident_id))
    if problems:
        raise VaccinationError(problems)
    record = VaccinationRecord(
        resident_id=resident_id, municipality_code=municipality_code, version=1,
        **{name: getattr(dose, name) for name in DOSE_FIELDS},
    )
    session.add(record)
    session.flush()
    session.add(VaccinationRecordChange(
        record_id=record.id, version=1, action=ChangeAction.CREATE, staff_id=staff_id,
    ))
    return record


def correct_dose(
    session: Session,
    *,
    record_id: int,
    changes: dict[str, object],
    reason: str,
    staff_id: int,
    expected_version: int,
    today: date | None = None,
) -> VaccinationRecord:
    """訂正: change some fields of a record; one history row per field that changed."""
    unknown = set(changes) - set(DOSE_FIELDS)
    if unknown:
        raise ValueError(f"not correctable: {sorted(unknown)}")
    if not reason.strip():
        raise VaccinationError(["訂正理由を入力してください。"])
    record = session.get(VaccinationRecord, record_id, with_for_update=True)
    if record is None:
        raise VaccinationError(["接種記録が見つかりません。"])
    if record.version != expected_version:
        raise VersionConflict(["この接種記録は他の職員が先に訂正しました。開き直してから訂正してください。"])
    before = Dose.of(record)
    after = Dose(**{name: changes.get(name, getattr(before, name)) for name in DOSE_FIELDS})
    changed = [name for name in DOSE_FIELDS if getattr(before, name) != getattr(after, name)]
    if not changed:
        raise VaccinationError(["変更された項目がありません。"])
    problems = check_dose(record.resident, after, today or date.today())
    problems += check_sequence(after, doses_of(session, record.resident_id, except_id=record.id))
    if problems:
        raise VaccinationError(problems)
    record.version += 1
    for name in changed:
        setattr(record, name, getattr(after, name))
        session.add(VaccinationRecordChange(
            record_id=record.id, version=record.version, action=ChangeAction.UPDATE,
            field=name, old_value=_text(getattr(before, name)),
            new_value=_text(getattr(after, name)), reason=reason.strip()[:200],
            staff_id=staff_id,
        ))
    session.flush()
    return record


def record_history(session: Session, record_id: int) -> list[VaccinationRecordChange]:
    """The record's changes, oldest first; `FIELD_LABELS` names the fields in Japanese."""
    return list(session.scalars(
        select(VaccinationRecordChange)
        .where(VaccinationRecordChange.record_id == record_id)
        .order_by(VaccinationRecordChange.version, VaccinationRecordChange.id)
    ))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


__all__ = [
    "FIELD_LABELS",
    "Dose",
    "VaccinationError",
    "VersionConflict",
    "correct_dose",
    "record_history",
    "register_dose",
]
