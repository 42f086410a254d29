"""Registering a claim (請求受付), referring 任意接種 out, withdrawal (取下げ) and the
claimant's one-time access code printed on the 受付票."""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.registry import HandlerContext, Parameter, register
from handlers.relief.common import ReliefError, claim_of, claim_of_case, local_date, parse_day
from models.case import Case
from models.credentials import hash_password, verify_password
from models.relief_claim import BenefitKind, ClaimantType, ReliefBenefit, ReliefClaim
from models.resident import Resident
from models.vaccination import VaccinationCategory, VaccinationRecord

# Letters and digits that cannot be mistaken for each other on paper (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


@dataclass(frozen=True)
class IntakeProblem:
    field: str
    message: str


def intake_problems(session: Session, atena_no: str, vaccination_record_id: int | None) -> list[IntakeProblem]:
    """What is wrong with the person and vaccination named at intake (for the form's checks)."""
    resident = session.scalars(select(Resident).where(Resident.atena_no == atena_no)).first()
    if resident is None:
        return [IntakeProblem("atena_no", "この宛名番号の住民が見つかりません")]
    if vaccination_record_id is None:
        return []
    record = session.get(VaccinationRecord, vaccination_record_id)
    if record is None or record.resident_id != resident.id:
        return [IntakeProblem("vaccination_record_id", "この住民の接種記録ではありません")]
    return []


def register_claim(
    session: Session, case_id: int, now: datetime, *, atena_no: str, vaccination_record_id: int, category: str,
    claimant_type: str, claimant_name: str, claimant_relation: str, benefits: list[BenefitKind], onset_on: date,
    symptoms: str, deadline_basis_on: date | None = None, prior_benefits_paid: bool = False,
) -> int:
    """Store the claim taken at 請求受付 (the task form calls this); returns the claim id."""
    problems = intake_problems(session, str(atena_no), int(vaccination_record_id))
    if problems:
        raise ReliefError("、".join(p.message for p in problems))
    resident = session.scalars(select(Resident).where(Resident.atena_no == str(atena_no))).one()
    claim = ReliefClaim(
        case_id=case_id, resident_id=resident.id, vaccination_record_id=int(vaccination_record_id),
        category=VaccinationCategory(category), claimant_type=ClaimantType(claimant_type),
        claimant_name=claimant_name, claimant_relation=claimant_relation, onset_on=onset_on,
        symptoms=symptoms, deadline_basis_on=deadline_basis_on,
        prior_benefits_paid=prior_benefits_paid, received_on=local_date(now),
        benefits=[ReliefBenefit(kind=kind) for kind in benefits],
    )
    session.add(claim)
    case = session.get(Case, case_id)
    if case is not None:
        case.resident_id = resident.id  # the person vaccinated: the case summary and access log name them
    session.flush()
    return claim.id


def refer_out(context: HandlerContext, claim_id: int) -> dict:
    """任意接種 is outside the Act: the claimant is referred to PMDA's 医薬品副作用被害救済制度."""
    claim = claim_of(context.session, claim_id)
    claim.referred_out_on = local_date(context.now)
    return {"referred_on": claim.referred_out_on.isoformat()}


def withdraw(context: HandlerContext, case_id: int, withdrawn_date: str | None, reason: str | None = None) -> dict:
    """取下げ, at any stage (the process awaits it beside the main path, keyed by case)."""
    claim = claim_of_case(context.session, case_id)
    if claim is None:  # withdrawn before 請求受付 was completed: nothing was registered
        return {"withdrawn_on": None}
    claim.withdrawn_on = parse_day(withdrawn_date, local_date(context.now))
    if reason:  # a reason entered on the claim page is already on the claim
        claim.withdrawal_reason = reason[:200]
    return {"withdrawn_on": claim.withdrawn_on.isoformat()}


def issue_access_code(session: Session, claim: ReliefClaim, now: datetime) -> str:
    """A new one-time access code for the status page; only its hash is kept, so printing
    the 受付票 again issues a new code and the old one stops working."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    claim.access_code_hash = hash_password(code)
    claim.access_code_issued_at = now
    return format_code(code)


def format_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise_code(typed: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", typed).upper() if ch.isascii() and ch.isalnum())


def code_matches(claim: ReliefClaim, typed: str) -> bool:
    return bool(claim.access_code_hash) and verify_password(claim.access_code_hash, normalise_code(typed))


register("relief/refer_out", refer_out, ["claim_id"], "任意接種の請求を PMDA の救済制度へ案内して終える")
register("relief/withdraw", withdraw, ["case_id", "withdrawn_date", Parameter("reason", False)], "請求の取下げを記録する")
