"""The documents each benefit needs (domain.md §2.3) and the 請求期限 of B類 claims (§2.4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from models.relief_claim import BenefitKind
from models.vaccination import VaccinationCategory


@dataclass(frozen=True)
class RequiredDocument:
    code: str
    name: str
    original: bool = False  # everything except 請求書, 受診証明書 and 診断書 may be a copy


MEDICAL = (BenefitKind.MEDICAL_COST, BenefitKind.MEDICAL_ALLOWANCE)
PENSIONS = (BenefitKind.CHILD_PENSION, BenefitKind.DISABILITY_PENSION)
DEATH = (BenefitKind.DEATH_LUMP_SUM, BenefitKind.SURVIVOR_PENSION, BenefitKind.SURVIVOR_LUMP_SUM)

_CLAIM_FORMS = {
    MEDICAL: RequiredDocument("form_medical", "医療費・医療手当請求書", True),
    (BenefitKind.CHILD_PENSION,): RequiredDocument("form_child_pension", "障害児養育年金請求書", True),
    (BenefitKind.DISABILITY_PENSION,): RequiredDocument("form_disability_pension", "障害年金請求書", True),
    (BenefitKind.DEATH_LUMP_SUM,): RequiredDocument("form_death", "死亡一時金請求書", True),
    (BenefitKind.SURVIVOR_PENSION, BenefitKind.SURVIVOR_LUMP_SUM): RequiredDocument(
        "form_survivor", "遺族年金・遺族一時金請求書", True),
    (BenefitKind.FUNERAL,): RequiredDocument("form_funeral", "葬祭料請求書", True),
}
CONSULTATION = RequiredDocument("consultation", "受診証明書", True)
RECEIPTS = RequiredDocument("receipts", "領収書等（写し可）")
DIAGNOSIS = RequiredDocument("diagnosis", "診断書（障害の状態）", True)
DISABILITY_STATEMENT = RequiredDocument("disability_statement", "障害の状態となった日と因果関係の申立書")
DEATH_CERTIFICATE = RequiredDocument("death_certificate", "死亡診断書等（写し可）")
BURIAL_PERMIT = RequiredDocument("burial_permit", "埋葬許可証等（写し可）")
VACCINATION_SLIP = RequiredDocument("vaccination_slip", "接種済証又は母子健康手帳（写し可）")
MEDICAL_RECORDS = RequiredDocument("medical_records", "診療録等（写し可）")
RESIDENCE = RequiredDocument("residence", "住民票等（写し可）")
FAMILY_REGISTER = RequiredDocument("family_register", "戸籍謄本等（写し可）")


def required_documents(benefits: list[BenefitKind]) -> list[RequiredDocument]:
    """The checklist for the benefits claimed together; a document needed twice is listed once."""
    wanted: list[RequiredDocument] = []

    def need(document: RequiredDocument) -> None:
        if document not in wanted:
            wanted.append(document)

    claimed = set(benefits)
    for group, form in _CLAIM_FORMS.items():
        if claimed & set(group):
            need(form)
    if claimed & set(MEDICAL):
        need(CONSULTATION)
        need(RECEIPTS)
    if claimed & set(PENSIONS):
        need(DIAGNOSIS)
    if BenefitKind.DISABILITY_PENSION in claimed:
        need(DISABILITY_STATEMENT)
    if claimed & {*DEATH, BenefitKind.FUNERAL}:
        need(DEATH_CERTIFICATE)
    if BenefitKind.FUNERAL in claimed:
        need(BURIAL_PERMIT)
    need(VACCINATION_SLIP)
    need(MEDICAL_RECORDS)
    if claimed & {BenefitKind.CHILD_PENSION, *DEATH}:
        need(RESIDENCE)
    if claimed & {*PENSIONS, *DEATH}:
        need(FAMILY_REGISTER)
    return wanted


def claim_deadline(
    category: str, benefit: BenefitKind, basis: date | None, prior_benefits_paid: bool
) -> date | None:
    """請求期限 of one benefit: only 定期B類 has one (A類/臨時 incl. 特例臨時: none shown).

    医療費・医療手当: 5 years from the payment of the costs; 遺族年金・遺族一時金: 5 years from
    the death, or 2 years when 医療費, 医療手当 or 障害年金 were already paid for the same injury.
    `basis` is that payment date or date of death (請求期限の起算日).
    """
    if category != VaccinationCategory.ROUTINE_B or basis is None:
        return None
    if benefit in MEDICAL:
        return add_years(basis, 5)
    if benefit in (BenefitKind.SURVIVOR_PENSION, BenefitKind.SURVIVOR_LUMP_SUM):
        return add_years(basis, 2 if prior_benefits_paid else 5)
    return None


def needs_deadline_basis(category: str, benefits: list[BenefitKind]) -> bool:
    return category == VaccinationCategory.ROUTINE_B and any(
        b in (*MEDICAL, BenefitKind.SURVIVOR_PENSION, BenefitKind.SURVIVOR_LUMP_SUM) for b in benefits
    )


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
