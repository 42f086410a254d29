"""支払: amounts from receipts, the 医療手当 monthly table and the yearly rate table, the
payment records and the pension instalment schedule."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from handlers.registry import HandlerContext, register
from handlers.relief.common import ReliefError, claim_of, local_date, parse_day
from models.relief_claim import BenefitKind, ReliefClaim
from models.relief_payment import (
    AllowanceMonth,
    PensionInstalment,
    ReliefPayment,
    ReliefRate,
    ReliefReceipt,
)

# Codes of the rate table with their Japanese names (the admin screen lists these).
RATE_CODES = {
    "allowance_low": "医療手当（通院3日未満・入院8日未満）月額",
    "allowance_high": "医療手当（通院3日以上・入院8日以上・通院と入院）月額",
    "child_pension_1": "障害児養育年金 1級 年額",
    "child_pension_2": "障害児養育年金 2級 年額",
    "disability_pension_1": "障害年金 1級 年額",
    "disability_pension_2": "障害年金 2級 年額",
    "disability_pension_3": "障害年金 3級 年額",
    "death_lump_sum": "死亡一時金",
    "funeral": "葬祭料",
    "care_supplement_1": "介護加算 1級 年額",
    "care_supplement_2": "介護加算 2級 年額",
    "survivor_pension": "遺族年金 年額（B類）",
    "survivor_lump_sum": "遺族一時金（B類）",
}
# Pensions are paid in instalments; the months are not published (domain.md §2.5 [U]):
# Sesshu schedules six, in the even months, like public pensions.
INSTALMENT_MONTHS = (2, 4, 6, 8, 10, 12)


def fiscal_year(day: date) -> int:
    """年度: April to March."""
    return day.year if day.month >= 4 else day.year - 1


def rate(session: Session, code: str, day: date) -> tuple[int, int]:
    """(amount, fiscal year of the table used): that year's, else the newest earlier year's."""
    row = session.scalars(
        select(ReliefRate).where(ReliefRate.code == code, ReliefRate.fiscal_year <= fiscal_year(day))
        .order_by(ReliefRate.fiscal_year.desc())
    ).first()
    if row is None:
        raise ReliefError(f"給付額表に「{RATE_CODES.get(code, code)}」（{fiscal_year(day)}年度以前）がありません")
    return row.amount, row.fiscal_year


def allowance_code(outpatient_days: int, inpatient_days: int) -> str | None:
    """医療手当 for one month: 通院 3日以上, 入院 8日以上, or both in the month → the higher rate."""
    if outpatient_days <= 0 and inpatient_days <= 0:
        return None
    if outpatient_days > 0 and inpatient_days > 0:
        return "allowance_high"
    if inpatient_days > 0:
        return "allowance_high" if inpatient_days >= 8 else "allowance_low"
    return "allowance_high" if outpatient_days >= 3 else "allowance_low"


def compute(session: Session, claim: ReliefClaim, day: date) -> list[ReliefPayment]:
    """The amounts due per benefit claimed (not yet stored)."""
    due: list[ReliefPayment] = []
    for kind in claim.benefit_kinds:
        if kind is BenefitKind.MEDICAL_COST:
            receipts = list(session.scalars(select(ReliefReceipt).where(ReliefReceipt.claim_id == claim.id)))
            due.append(ReliefPayment(claim_id=claim.id, benefit=kind, amount=sum(r.amount for r in receipts),
                                     basis=f"領収書 {len(receipts)} 件の自己負担額の合計"))
        elif kind is BenefitKind.MEDICAL_ALLOWANCE:
            months = list(session.scalars(select(AllowanceMonth).where(AllowanceMonth.claim_id == claim.id)
                                          .order_by(AllowanceMonth.month)))
            total, counted, years = 0, 0, set()
            for month in months:
                code = allowance_code(month.outpatient_days, month.inpatient_days)
                if code:
                    amount, year = rate(session, code, month.month)
                    total, counted = total + amount, counted + 1
                    years.add(year)
            tables = "・".join(f"{y}年度" for y in sorted(years)) or "—"
            due.append(ReliefPayment(claim_id=claim.id, benefit=kind, amount=total,
                                     basis=f"{counted} か月分（給付額表 {tables}）"))
        else:
            code = fixed_rate_code(kind, claim.disability_grade)
            amount, year = rate(session, code, day)
            due.append(ReliefPayment(claim_id=claim.id, benefit=kind, amount=amount,
                                     basis=f"{RATE_CODES[code]}（給付額表 {year}年度）"))
    return due


def fixed_rate_code(kind: BenefitKind, grade: int | None) -> str:
    if kind in (BenefitKind.CHILD_PENSION, BenefitKind.DISABILITY_PENSION):
        grades = (1, 2) if kind is BenefitKind.CHILD_PENSION else (1, 2, 3)
        if grade not in grades:
            raise ReliefError(f"{kind.label}の等級（{'・'.join(map(str, grades))}級）が決定に記録されていません")
        return f"{kind.value}_{grade}"
    return kind.value


def calculate_payments(context: HandlerContext, claim_id: int, decided_date: str) -> dict:
    session = context.session
    claim = claim_of(session, claim_id)
    session.execute(delete(ReliefPayment).where(ReliefPayment.claim_id == claim.id, ReliefPayment.paid_on.is_(None)))
    due = compute(session, claim, parse_day(decided_date, local_date(context.now)))
    session.add_all(due)
    session.flush()
    return {"payments": len(due), "pension": any(BenefitKind(p.benefit).is_pension for p in due)}


def instalment_schedule(yearly: int, first_paid: date) -> list[tuple[date, int]]:
    """One year of instalments from the payment date: the first now, the rest in the
    following instalment months; the yen that do not divide evenly go to the first."""
    count = len(INSTALMENT_MONTHS)
    share, remainder = divmod(yearly, count)
    days = [first_paid]
    year, month = first_paid.year, first_paid.month
    while len(days) < count:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        if month in INSTALMENT_MONTHS:
            days.append(date(year, month, 15))
    return [(day, share + (remainder if i == 0 else 0)) for i, day in enumerate(days)]


def record_payment(context: HandlerContext, claim_id: int, paid_date: str) -> dict:
    session = context.session
    claim = claim_of(session, claim_id)
    paid_on = parse_day(paid_date, local_date(context.now))
    payments = list(session.scalars(select(ReliefPayment).where(ReliefPayment.claim_id == claim.id,
                                                                ReliefPayment.paid_on.is_(None))))
    for payment in payments:
        payment.paid_on = paid_on
        if BenefitKind(payment.benefit).is_pension:
            for i, (day, amount) in enumerate(instalment_schedule(payment.amount, paid_on)):
                session.add(PensionInstalment(payment_id=payment.id, due_on=day, amount=amount,
                                              paid_on=paid_on if i == 0 else None))
    session.flush()
    return {"paid": len(payments)}


register("relief/calculate_payments", calculate_payments, ["claim_id", "decided_date"],
         "給付額表と領収書・医療手当の月から支給額を算定する")
register("relief/record_payment", record_payment, ["claim_id", "paid_date"], "支払と年金の支払予定を記録する")
