"""保存期間 (retention) of vaccination records.

予防接種法施行規則 第3条 asks for records to be kept at least five years from the
vaccination. Records past that minimum whose person no longer lives here (転出 or
死亡) are candidates for deletion; deleting them needs a supervisor-approved request.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from handlers import registry
from models.access_log import AccessAction, Actor, record_access
from models.certificate import CertificateDose
from models.relief_claim import ReliefClaim
from models.resident import Resident, ResidentStatus
from models.retention_purge import PurgeStatus, RetentionPurgeRequest
from models.vaccination import VaccinationRecord
from models.vaccination_change import VaccinationRecordChange

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


class PurgeRefused(Exception):
    """The purge cannot run; str(error) is a Japanese message."""


@dataclass(frozen=True)
class PurgeResult:
    deleted: int
    skipped: list[int]  # record ids left alone: changed, gone or still referenced


def snapshot(session: Session, *, today: date, years: int) -> tuple[dict[str, int], set[str]]:
    """The records the report lists as of `today` ({id: version}) and their people's 宛名番号."""
    cutoff = retention_cutoff(today, years)
    rows = session.execute(
        select(VaccinationRecord.id, VaccinationRecord.version, Resident.atena_no)
        .join(Resident, VaccinationRecord.resident_id == Resident.id)
        .where(VaccinationRecord.vaccinated_on < cutoff, Resident.status != ResidentStatus.RESIDENT)
    ).all()
    return {str(r.id): r.version for r in rows}, {r.atena_no for r in rows}


def record_decision(context: registry.HandlerContext, purge_request_id: int, decision: str,
                    comment: str | None = None) -> str:
    """After the supervisor's decision (the engine has already refused the requester)."""
    request = context.session.get(RetentionPurgeRequest, int(purge_request_id), with_for_update=True)
    if request is None:
        raise PurgeRefused("削除申請が見つかりません。")
    if request.status != PurgeStatus.REQUESTED:
        return request.status
    request.status = PurgeStatus.APPROVED if decision == "approve" else PurgeStatus.REJECTED
    request.decided_by_id = context.actor_id
    request.decided_at = context.now
    request.decision_comment = (comment or "").strip()[:200] or None
    context.session.flush()
    return request.status


registry.register("retention/record_decision", record_decision,
                  ["purge_request_id", "decision", registry.Parameter("comment", required=False)],
                  "接種記録の削除申請の承認・却下を記録する")


def purge(session: Session, purge_request_id: int, actor: Actor, now: datetime) -> PurgeResult:
    """Delete exactly the approved records, once; records changed since the request stay.

    A record stays when its version changed, its person lives here again, it is no longer
    past the minimum as of the request's date, or a certificate or relief claim refers to it.
    Writes one access-log row per person whose records were deleted.
    """
    request = session.get(RetentionPurgeRequest, int(purge_request_id), with_for_update=True)
    if request is None:
        raise PurgeRefused(f"削除申請 {purge_request_id} が見つかりません。")
    if request.status == PurgeStatus.PURGED:
        raise PurgeRefused(f"削除申請 {purge_request_id} は削除済みです（削除は1回限り）。")
    if request.status != PurgeStatus.APPROVED:
        raise PurgeRefused(f"削除申請 {purge_request_id} は監督者に承認されていないため、削除できません"
                           f"（状態: {request.status_label}）。")
    current, _ = snapshot(session, today=request.as_of, years=request.years)
    approved = {int(k): v for k, v in request.records.items()}
    candidates = [i for i, version in approved.items() if current.get(str(i)) == version]
    referenced = set(session.scalars(select(CertificateDose.vaccination_record_id)
                                     .where(CertificateDose.vaccination_record_id.in_(candidates))))
    referenced |= set(session.scalars(select(ReliefClaim.vaccination_record_id)
                                      .where(ReliefClaim.vaccination_record_id.in_(candidates))))
    doomed = sorted(i for i in candidates if i not in referenced)
    people: dict[str, int] = {}
    for chunk in _chunks(doomed, 1000):
        for atena_no in session.scalars(
            select(Resident.atena_no).join(VaccinationRecord, VaccinationRecord.resident_id == Resident.id)
            .where(VaccinationRecord.id.in_(chunk))
        ):
            people[atena_no] = people.get(atena_no, 0) + 1
        session.execute(delete(VaccinationRecordChange).where(VaccinationRecordChange.record_id.in_(chunk)))
        session.execute(delete(VaccinationRecord).where(VaccinationRecord.id.in_(chunk)))
    skipped = sorted(set(approved) - set(doomed))
    request.status = PurgeStatus.PURGED
    request.purged_at = now
    request.purged_count = len(doomed)
    request.skipped = skipped
    session.flush()
    case_no = request.case.case_no if request.case is not None else f"#{request.id}"
    for atena_no, count in sorted(people.items()):
        record_access(session, actor, AccessAction.UPDATE, atena_no=atena_no, reason=request.reason,
                      detail=f"保存期間経過による接種記録の削除 {case_no}（{count}件）", now=now)
    return PurgeResult(deleted=len(doomed), skipped=skipped)


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]

