"""The certificate procedure's steps on Sesshu's tables (process `certificate_issuance`).

Each user task's form calls one function here when it completes; the function stores the
case data in `certificate_application` and returns the small decision values the
workflow carries. Refusals are `StepRefused` with one Japanese message per form field.
Every search or view of a person, and every certificate or notice produced, writes an
access-log row (named by 宛名番号) in the same transaction.

Paths: 申請受付 → 本人確認 → 接種記録照会 (→ 対象者の選択 when 3情報 match several people)
→ 証明する接種の選択 → 発行 (service task) → 交付, or → 却下通知の作成 (service task) →
却下通知の交付. A 再交付 is the same path with the superseded 証明書ID named at 申請受付.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.certificate import lookup
from handlers.certificate.eligibility import Eligibility, Passport
from handlers.certificate.errors import CertificateError
from handlers.certificate.issuance import CertificateConfig, check_eligibility
from models.access_log import AccessAction, record_access
from models.access_log import Actor as LogActor
from models.case import Case
from models.certificate import Certificate, CertificateKind
from models.certificate_application import (
    ApplicantType,
    CertificateApplication,
    Channel,
    Outcome,
    SearchMethod,
)
from models.my_number_access import may_view_my_number
from models.resident import Resident, ResidentStatus, Sex
from models.staff import Staff
from models.wareki import format_wareki

ACCESS_REASON = "窓口での証明書交付申請"


class StepRefused(CertificateError):
    """Form input a step cannot accept: `errors` maps form field names to Japanese messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Performer:
    """The staff member completing the step, and their terminal (for the access log)."""

    staff_id: int
    terminal: str | None
    now: datetime


# --- 申請受付 -------------------------------------------------------------------------


@dataclass(frozen=True)
class Application:
    application_date: date
    channel: Channel
    applicant_type: ApplicantType
    applicant_name: str | None
    proxy_letter_received: bool
    authority_document: str | None
    kind: CertificateKind
    passport: Passport | None
    return_envelope_received: bool
    contact_phone: str | None
    contact_note: str | None
    reissue_of_no: str | None  # 証明書ID to supersede (再交付)
    reissue_reason: str | None


def receive(session: Session, case_id: int, data: Application, by: Performer) -> dict:
    """申請受付: store the application; refuse a reissue of an unknown or superseded 証明書ID."""
    previous = None
    if data.reissue_of_no:
        previous = session.scalars(
            select(Certificate).where(Certificate.certificate_no == data.reissue_of_no.strip().upper())
        ).one_or_none()
        if previous is None:
            raise StepRefused({"reissue_of_no": f"証明書ID {data.reissue_of_no} の証明書は発行されていません。"})
        if previous.superseded_by is not None:
            raise StepRefused({"reissue_of_no": (
                f"証明書ID {previous.certificate_no} はすでに再交付されています（新しい証明書ID "
                f"{previous.superseded_by.certificate_no}）。最新の証明書IDを入力してください。")})
    application = _application(session, case_id) or CertificateApplication(case_id=case_id)
    passport = data.passport
    application.application_date = data.application_date
    application.channel = data.channel
    application.applicant_type = data.applicant_type
    application.applicant_name = data.applicant_name if data.applicant_type is not ApplicantType.SELF else None
    application.proxy_letter_received = data.proxy_letter_received
    application.authority_document = data.authority_document
    application.kind = data.kind
    application.passport_no = passport.number if passport else None
    application.passport_family_name = passport.family_name if passport else None
    application.passport_given_name = passport.given_name if passport else None
    application.nationality = passport.nationality if passport else None
    application.passport_expires_on = passport.expires_on if passport else None
    application.return_envelope_received = data.return_envelope_received
    application.contact_phone = data.contact_phone
    application.contact_note = data.contact_note
    application.reissue_of_id = previous.id if previous else None
    application.reissue_reason = data.reissue_reason if previous else None
    application.received_by_id = by.staff_id
    session.add(application)
    session.flush()
    return {"use": str(data.kind), "applicant": str(data.applicant_type), "channel": str(data.channel),
            "reissue": previous is not None}


# --- 本人確認 -------------------------------------------------------------------------


def confirm_identity(
    session: Session, case_id: int, identity_document: str, agent_identity_document: str | None,
    by: Performer,
) -> dict:
    application = required_application(session, case_id)
    if application.applicant_type != ApplicantType.SELF and not agent_identity_document:
        raise StepRefused({"agent_identity_document": "代理人の本人確認書類を選んでください。"})
    application.identity_document = identity_document
    application.agent_identity_document = (
        agent_identity_document if application.applicant_type != ApplicantType.SELF else None
    )
    application.identity_checked_by_id = by.staff_id
    application.identity_checked_at = by.now
    return {"identity_checked": True}


# --- 接種記録照会 ---------------------------------------------------------------------


@dataclass(frozen=True)
class Search:
    method: SearchMethod
    voucher_no: str | None = None
    my_number: str | None = None
    name: str | None = None
    birth_date: date | None = None
    address: str | None = None


def search(session: Session, case_id: int, criteria: Search, by: Performer) -> dict:
    """Find the person; one match is recorded, several are kept for 対象者の選択.

    No match refuses the form with a message naming what was searched.
    """
    application = required_application(session, case_id)
    staff = session.get(Staff, by.staff_id)
    if criteria.method is SearchMethod.VOUCHER:
        found = lookup.by_voucher(session, criteria.voucher_no or "")
        if not found:
            raise StepRefused({"voucher_no": (
                f"接種券番号 {criteria.voucher_no} の方は本市の予防接種台帳にいません。番号を確認するか、"
                "個人番号または3情報（氏名・生年月日・住所）で照会してください。")})
    elif criteria.method is SearchMethod.MY_NUMBER:
        if not may_view_my_number(staff):
            raise StepRefused({"my_number": "個人番号の閲覧権限がないため、個人番号では照会できません。"
                                            "接種券番号または3情報で照会してください。"})
        found = lookup.by_my_number(session, criteria.my_number or "")
        if not found:
            raise StepRefused({"my_number": "この個人番号の方は本市の住民記録にいません。番号を確認してください。"})
    else:
        assert criteria.birth_date is not None
        found = lookup.by_three_info(session, criteria.name or "", criteria.birth_date, criteria.address or "")
        if not found:
            raise StepRefused({"name": (
                "3情報（氏名・生年月日・住所）に該当する方がいません。氏名の表記（カナ・漢字）や"
                "住所の一部を変えて照会してください。")})
        if len(found) > lookup.MAX_CANDIDATES:
            raise StepRefused({"address": (
                f"該当する方が{lookup.MAX_CANDIDATES}名を超えます。住所を詳しく入力してください。")})
    application.search_method = criteria.method
    application.looked_up_by_id = by.staff_id
    previous_holder = application.reissue_of.resident_id if application.reissue_of else None
    if len(found) == 1:
        _choose(session, application, found[0], previous_holder)
    else:
        application.resident_id = None
    application.candidate_ids = [r.id for r in found]
    actor = log_actor(session, by.staff_id, by.terminal)
    for resident in found:
        record_access(session, actor, AccessAction.SEARCH, atena_no=resident.atena_no, reason=ACCESS_REASON,
                      detail=f"証明書交付申請の接種記録照会（{criteria.method.label}、{len(found)}件該当）",
                      now=by.now)
    if len(found) == 1:
        _log_view(session, actor, found[0], by)
    return {"matches": len(found)}


def candidates(session: Session, case_id: int) -> list[Resident]:
    """The people a 3情報 search matched, for 対象者の選択."""
    application = required_application(session, case_id)
    ids = application.candidate_ids or []
    people = {r.id: r for r in session.scalars(select(Resident).where(Resident.id.in_(ids)))}
    return [people[i] for i in ids if i in people]


def describe_candidate(resident: Resident) -> str:
    """Enough to tell namesakes apart: 宛名番号, names, birth date, sex, address, status."""
    sex = Sex(resident.sex).label if resident.sex in ("1", "2") else "—"
    status = "" if resident.status == ResidentStatus.RESIDENT else f"【{ResidentStatus(resident.status).label}】"
    return (f"宛名番号 {resident.atena_no}　{resident.full_name}（{resident.name_kana}）　"
            f"{format_wareki(resident.birth_date)}生　{sex}　{resident.address}{status}")


def choose_candidate(session: Session, case_id: int, resident_id: int | None, by: Performer) -> dict:
    """対象者の選択: one of the matched people, or none (search again)."""
    application = required_application(session, case_id)
    if resident_id is None:
        application.candidate_ids = []
        return {"chosen": False}
    if resident_id not in (application.candidate_ids or []):
        raise StepRefused({"resident_id": "照会で該当した方の中から選んでください。"})
    resident = session.get(Resident, resident_id)
    assert resident is not None
    previous_holder = application.reissue_of.resident_id if application.reissue_of else None
    _choose(session, application, resident, previous_holder, field="resident_id")
    _log_view(session, log_actor(session, by.staff_id, by.terminal), resident, by)
    return {"chosen": True}


def _choose(session: Session, application: CertificateApplication, resident: Resident,
            previous_holder: int | None, field: str = "voucher_no") -> None:
    if previous_holder is not None and previous_holder != resident.id:
        raise StepRefused({field: (
            f"再交付する証明書（証明書ID {application.reissue_of.certificate_no}）は別の方の証明書です。"
            "照会した方または証明書IDを確認してください。")})
    application.resident_id = resident.id
    case = session.get(Case, application.case_id)
    if case is not None:
        case.resident_id = resident.id


def _log_view(session: Session, actor: LogActor, resident: Resident, by: Performer) -> None:
    record_access(session, actor, AccessAction.VIEW, atena_no=resident.atena_no, reason=ACCESS_REASON,
                  detail="証明書交付申請: 接種記録と証明の可否を表示", now=by.now)


# --- 証明する接種の選択 ---------------------------------------------------------------


def eligibility_of(session: Session, config: CertificateConfig, case_id: int) -> tuple[Resident, Eligibility]:
    application = required_application(session, case_id)
    if application.resident is None:
        raise CertificateError("対象者がまだ特定されていません。接種記録照会からやり直してください。")
    return application.resident, check_eligibility(session, config, application.resident)


def decide(
    session: Session, config: CertificateConfig, case_id: int, *, outcome: Outcome,
    dose_numbers: Sequence[int], reason: str | None, by: Performer,
) -> dict:
    """発行 with the doses picked by 接種回数, or 却下 with a reason (the register's own when
    no dose is eligible)."""
    application = required_application(session, case_id)
    _, eligibility = eligibility_of(session, config, case_id)
    if outcome is Outcome.ISSUE:
        if eligibility.rejection_reason:
            raise StepRefused({"outcome": f"発行できません: {eligibility.rejection_reason} 「却下」を選んでください。"})
        if not dose_numbers:
            raise StepRefused({"dose_numbers": "証明する接種の回数を1つ以上入力してください。"})
        dose_ids = []
        for number in dict.fromkeys(dose_numbers):
            matching = [d for d in eligibility.decisions if d.record.dose_number == number]
            if not matching:
                raise StepRefused({"dose_numbers": f"{number}回目の接種記録はありません。一覧の回数から選んでください。"})
            if len(matching) > 1:
                raise StepRefused({"dose_numbers": (
                    f"{number}回目の接種記録が{len(matching)}件あります。予防接種台帳を訂正してから発行してください。")})
            decision = matching[0]
            if not decision.eligible:
                raise StepRefused({"dose_numbers": (
                    f"{number}回目（{format_wareki(decision.record.vaccinated_on)}）は証明できません: {decision.reason}")})
            dose_ids.append(decision.record.id)
        application.dose_ids = sorted(dose_ids)
        application.rejection_reason = None
    else:
        reason = (reason or "").strip() or eligibility.rejection_reason
        if not reason:
            raise StepRefused({"reason": "証明できる接種があります。却下する場合は理由を入力してください。"})
        application.dose_ids = None
        application.rejection_reason = reason[:500]
    application.outcome = outcome
    application.decided_by_id = by.staff_id
    application.decided_at = by.now
    return {"decision": str(outcome)}


# --- 交付 ---------------------------------------------------------------------------


def deliver(
    session: Session, case_id: int, *, method: Channel, delivered_on: date, delivered_to: str | None,
    other_address: str | None, other_address_reason: str | None, by: Performer,
) -> dict:
    """交付: handed over at the counter (to whom) or mailed (to the registered address unless
    another address is given with its reason)."""
    application = required_application(session, case_id)
    if method is Channel.COUNTER:
        if not delivered_to:
            raise StepRefused({"delivered_to": "窓口で受け取った方の氏名を入力してください。"})
        application.mailed_to_address = None
        application.other_address_reason = None
    else:
        resident = application.resident
        if other_address:
            if not other_address_reason:
                raise StepRefused({"other_address_reason": (
                    "住民登録の住所以外へ郵送する理由（送付先の指定、入院中など）を入力してください。")})
            application.mailed_to_address = other_address
            application.other_address_reason = other_address_reason
        elif resident is not None:
            application.mailed_to_address = resident.address
            application.other_address_reason = None
        else:
            raise StepRefused({"other_address": "住民登録の住所が分からないため、送付先の住所と理由を入力してください。"})
    application.delivery_method = method
    application.delivered_on = delivered_on
    application.delivered_to = delivered_to if method is Channel.COUNTER else None
    application.delivered_by_id = by.staff_id
    return {"delivered": str(method)}


# --- helpers ------------------------------------------------------------------------


def application_of(session: Session, case_id: int) -> CertificateApplication | None:
    return _application(session, case_id)


def _application(session: Session, case_id: int) -> CertificateApplication | None:
    return session.scalars(
        select(CertificateApplication).where(CertificateApplication.case_id == case_id)
    ).one_or_none()


def required_application(session: Session, case_id: int) -> CertificateApplication:
    application = _application(session, case_id)
    if application is None:
        raise CertificateError("この案件には申請内容が記録されていません。申請受付からやり直してください。")
    return application


def log_actor(session: Session, staff_id: int | None, terminal: str | None = None) -> LogActor:
    staff = session.get(Staff, staff_id) if staff_id is not None else None
    return LogActor(staff_id, staff.full_name if staff else None,
                    staff.department.name if staff else None, terminal)

