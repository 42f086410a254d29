"""転入者の接種履歴照会: the steps of bpmn/transfer_in_history.bpmn.

exchange/send_query      writes the 情報照会 to the former municipality (delivered after
                         commit by the exchange dispatcher, never inside the engine step)
exchange/register_doses  adds the accepted doses of the 照会結果 to the 予防接種台帳,
                         marked with the municipality that gave them
exchange/make_notice     writes the 個別通知 PDF when doses remain
"""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from handlers.exchange import settings
from handlers.exchange.common import ExchangeError, log, performer, resident
from handlers.exchange.notice import Notice, NoticeDose, notice_pdf
from handlers.exchange.schedule import in_eligible_age_group, oldest_birth_date, remaining_doses
from handlers.intermediary import prepare_query
from handlers.intermediary import protocol as p
from handlers.registry import HandlerContext, Parameter, register
from models.access_log import AccessAction
from models.case import Case, Procedure
from models.identifiers import IdentifierError, validate_municipality_code
from models.notice_letter import NoticeLetter
from models.query_result import QueryResult
from models.resident import Resident, ResidentStatus
from models.task import TaskEvent
from models.vaccination import VaccinationRecord

LOCAL = ZoneInfo("Asia/Tokyo")
JIMU_VACCINATION = "25"  # 主務省令第2条の表 第25項（予防接種の実施）
REASON = "転入者の接種履歴照会"


def send_query(context: HandlerContext, resident_id: int, provider_code: str | None) -> dict:
    """Prepare the 照会; a missing 個人番号 or 照会先 goes back to staff instead of failing."""
    person = resident(context.session, resident_id)
    config = settings.current()
    if not person.my_number:
        return {"request_id": None, "reply_wait": config.reply_wait,
                "problem": "個人番号が登録されていないため照会できません。"}
    try:
        provider = validate_municipality_code(provider_code or "")
    except IdentifierError:
        return {"request_id": None, "reply_wait": config.reply_wait,
                "problem": "照会先の市町村コードがないか正しくありません。照会先を入力してください。"}
    request = prepare_query(
        context.session, config.intermediary, my_number=person.my_number, provider_code=provider,
        jimu_code=JIMU_VACCINATION, case_id=context.case_id, now=context.now,
    )
    log(context.session, performer(context), AccessAction.QUERY, person.atena_no, REASON,
        f"情報照会（照会先 {provider}、事務 第{JIMU_VACCINATION}項、照会番号 {request.idempotency_key}）",
        context.now)
    return {"request_id": request.id, "reply_wait": config.reply_wait, "problem": None}


def _dose_numbers(text: str | None) -> set[int]:
    numbers = re.findall(r"\d+", text or "")
    if not numbers:
        raise ExchangeError("登録する接種回数を「1,2」のように入力してください。")
    return {int(n) for n in numbers}


def register_doses(
    context: HandlerContext,
    resident_id: int,
    query_result_id: int,
    accept: str,
    dose_numbers: str | None = None,
) -> dict:
    session = context.session
    person = resident(session, resident_id)
    result = session.get(QueryResult, int(query_result_id))
    if result is None:
        raise ExchangeError("照会結果は保存期間を過ぎて削除されています。照会をやり直してください。")
    message = p.QueryResult.model_validate_json(result.raw)
    if accept == "none":
        chosen = []
    elif accept == "some":
        wanted = _dose_numbers(dose_numbers)
        chosen = [r for r in message.records if r.dose_number in wanted]
        if missing := wanted - {r.dose_number for r in chosen}:
            # Back to the reviewer: the history shows which doses came back.
            problem = f"照会結果にない接種回数です: {', '.join(map(str, sorted(missing)))}"
            session.add(TaskEvent(case_id=context.case_id, instance_id=context.instance_id,
                                  bpmn_id="register_doses", action="note", actor_id=context.actor_id,
                                  at=context.now, note=problem))
            return {"added": 0, "problem": problem}
    else:
        chosen = list(message.records)
    known = {
        (r.vaccinated_on, r.product)
        for r in session.scalars(select(VaccinationRecord).where(VaccinationRecord.resident_id == person.id))
    }
    added = 0
    for dose in chosen:
        if (dose.vaccinated_on, dose.product) in known:
            continue  # already in the 台帳 (e.g. registered from the person's 接種済証)
        session.add(VaccinationRecord(
            resident_id=person.id, dose_number=dose.dose_number, vaccinated_on=dose.vaccinated_on,
            product=dose.product, manufacturer=dose.manufacturer, lot_no=dose.lot_no,
            clinic=dose.clinic or "（転入前の市区町村で接種）", doctor=dose.doctor,
            category=dose.category, municipality_code=dose.municipality_code,
        ))
        added += 1
    session.flush()
    staff = performer(context)
    log(session, staff, AccessAction.UPDATE, person.atena_no, REASON,
        f"照会結果から接種記録 {added} 件を登録（提供元 {result.provider_code}）", context.now)
    return {"added": added, "problem": None}


def make_notice(context: HandlerContext, resident_id: int) -> dict:
    session = context.session
    person = resident(session, resident_id)
    today = context.now.astimezone(LOCAL).date()
    history = list(session.scalars(
        select(VaccinationRecord).where(VaccinationRecord.resident_id == person.id)
        .order_by(VaccinationRecord.vaccinated_on, VaccinationRecord.dose_number)
    ))
    remaining = remaining_doses(person.birth_date, history, today)
    if not remaining:
        return {"notice_id": None}
    pdf = notice_pdf(Notice(
        issued_on=today, issuer=settings.current().issuer_name, postal_code=person.postal_code,
        address=person.address, name=person.full_name,
        history=[NoticeDose(r.dose_number, r.vaccinated_on, r.product, r.municipality_code) for r in history],
        remaining=remaining,
    ))
    letter = NoticeLetter(
        case_id=context.case_id, resident_id=person.id, pdf=pdf, created_at=context.now,
        summary="、".join(d.label for d in remaining)[:300],
    )
    session.add(letter)
    session.flush()
    return {"notice_id": letter.id}


def transfer_in_candidates(session: Session, moved_in_since: date, today: date) -> list[Resident]:
    """転入者 of an eligible age group, with a 個人番号 and a former municipality, never queried."""
    already = exists().where(Case.resident_id == Resident.id, Case.procedure == Procedure.TRANSFER_IN)
    rows = session.scalars(
        select(Resident)
        .where(
            Resident.status == ResidentStatus.RESIDENT,
            Resident.moved_in_on >= moved_in_since,
            Resident.previous_municipality_code.is_not(None),
            Resident.my_number.is_not(None),
            Resident.birth_date <= oldest_birth_date(today),
            ~already,
        )
        .order_by(Resident.moved_in_on, Resident.id)
    )
    return [r for r in rows if in_eligible_age_group(r.birth_date, today)]


register("exchange/send_query", send_query, ["resident_id", "provider_code"], "転入前の市区町村へ情報照会を送る")
register(
    "exchange/register_doses", register_doses,
    ["resident_id", "query_result_id", "accept", Parameter("dose_numbers", required=False)],
    "照会結果の接種記録を予防接種台帳に登録する",
)
register("exchange/make_notice", make_notice, ["resident_id"], "残りの接種を知らせる個別通知を作る")
