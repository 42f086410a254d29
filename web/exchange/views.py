"""Staff screens of the 中間サーバ procedures, beyond the generic task screen.

- 中間サーバ連携 (index): find a resident by 宛名番号;
- a resident's exchange page: 転入者照会 cases, starting one;
- the 自動応答不可フラグ page of a resident (flag officers and supervisors only);
- a case's exchange content: queries and returned history, what an answer would send,
  the flag request being confirmed;
- the 個別通知 PDF, and the 情報提供等記録.

Every screen showing a person's data writes the access log.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from wtforms import HiddenField

from handlers.intermediary import protocol as p
from handlers.intermediary import records_to_provide
from models.access_log import AccessAction
from models.auto_response_flag import REASON_LABELS, AutoResponseFlag, AutoResponseFlagEvent
from models.case import Case, Procedure
from models.incoming_query import IncomingQuery, IncomingQueryStatus
from models.intermediary_request import IntermediaryRequest, RequestStatus
from models.notice_letter import NoticeLetter
from models.provision_record import ProvisionRecord
from models.query_result import QueryResult
from models.resident import Resident
from models.staff import Role
from web import clock
from web.access_log import log_access
from web.auth import current_staff, request_actor
from web.db import session
from web.exchange import jobs
from web.exchange.settings import exchange_settings
from web.forms import JapaneseForm
from web.security import roles
from workflows.errors import WorkflowError
from workflows.service import Actor

bp = Blueprint("exchange", __name__, url_prefix="/exchange")

FLAG_ROLES = (Role.FLAG_OFFICER, Role.SUPERVISOR)
EXCHANGE_ROLES = (Role.COUNTER, Role.SUPERVISOR, Role.FLAG_OFFICER)
# Who may see a case's exchange content, by procedure: a flag or a flagged person's
# answer only to those handling flags.
CASE_ROLES = {
    Procedure.TRANSFER_IN: {Role.COUNTER, Role.SUPERVISOR},
    Procedure.AUTO_RESPONSE_BLOCK: set(FLAG_ROLES),
    Procedure.INCOMING_QUERY: set(FLAG_ROLES),
}
REASON_TRANSFER = "転入者の接種履歴照会"
REASON_FLAG = "自動応答不可フラグの設定・解除"


class StartForm(JapaneseForm):
    action = HiddenField()


def _resident(atena_no: str) -> Resident:
    person = session().scalars(select(Resident).where(Resident.atena_no == atena_no)).one_or_none()
    if person is None:
        abort(404)
    return person


def _actor() -> Actor:
    actor = request_actor()
    return Actor.of(current_staff(), actor.terminal)


def _go_to_task(state, role: Role):
    staff = current_staff()
    if state.ready_tasks and role in staff.roles:
        return redirect(f"/tasks/{state.ready_tasks[0]}")
    return redirect(url_for("exchange.case", case_id=state.case_id))


@bp.get("/")
@roles(*EXCHANGE_ROLES)
def index():
    atena_no = (request.args.get("atena_no") or "").strip()
    if atena_no:
        return redirect(url_for("exchange.resident", atena_no=atena_no))
    return render_template("exchange/index.html")


@bp.get("/residents/<atena_no>")
@roles(*EXCHANGE_ROLES)
def resident(atena_no: str):
    person = _resident(atena_no)
    cases = session().scalars(
        select(Case).where(Case.resident_id == person.id, Case.procedure == Procedure.TRANSFER_IN)
        .order_by(Case.opened_at.desc())
    ).all()
    log_access(AccessAction.VIEW, atena_no=person.atena_no, reason=REASON_TRANSFER,
               detail="中間サーバ連携（転入者照会の状況）")
    session().commit()
    return render_template("exchange/resident.html", person=person, cases=cases, form=StartForm(),
                           may_flag=current_staff().has_role(*FLAG_ROLES))


@bp.post("/residents/<atena_no>/transfer-in")
@roles(Role.COUNTER, Role.SUPERVISOR)
def transfer_in_start(atena_no: str):
    person = _resident(atena_no)
    if not StartForm().validate_on_submit():
        abort(400)
    if not person.previous_municipality_code:
        flash("転入前の市町村コードが登録されていません。本人確認の画面で照会先を入力してください。", "warning")
    try:
        state = jobs.start_transfer_in(session(), person.id, person.previous_municipality_code, _actor(),
                                       clock.now)
    except WorkflowError as exc:
        session().rollback()
        flash(str(exc), "error")
        return redirect(url_for("exchange.resident", atena_no=atena_no))
    log_access(AccessAction.UPDATE, atena_no=person.atena_no, reason=REASON_TRANSFER,
               detail=f"転入者の接種履歴照会を開始（案件 {state.case_no}）")
    session().commit()
    flash(f"案件 {state.case_no} を開始しました。", "success")
    return _go_to_task(state, Role.COUNTER)


@bp.get("/residents/<atena_no>/flag")
@roles(*FLAG_ROLES)
def flag(atena_no: str):
    person = _resident(atena_no)
    current = session().scalars(
        select(AutoResponseFlag).where(AutoResponseFlag.resident_id == person.id)
    ).one_or_none()
    history = session().scalars(
        select(AutoResponseFlagEvent).where(AutoResponseFlagEvent.resident_id == person.id)
        .order_by(AutoResponseFlagEvent.at.desc(), AutoResponseFlagEvent.id.desc())
    ).all()
    open_cases = session().scalars(
        select(Case).where(Case.resident_id == person.id, Case.procedure == Procedure.AUTO_RESPONSE_BLOCK,
                           Case.status.in_(["open", "error"]))
        .order_by(Case.opened_at.desc())
    ).all()
    log_access(AccessAction.VIEW, atena_no=person.atena_no, reason=REASON_FLAG,
               detail="自動応答不可フラグの状態と履歴を参照")
    session().commit()
    return render_template("exchange/flag.html", person=person, flag=current, history=history,
                           open_cases=open_cases, reasons=REASON_LABELS, form=StartForm(),
                           may_start=Role.FLAG_OFFICER in current_staff().roles)


@bp.post("/residents/<atena_no>/flag")
@roles(Role.FLAG_OFFICER)
def flag_start(atena_no: str):
    person = _resident(atena_no)
    form = StartForm()
    if not form.validate_on_submit() or form.action.data not in ("set", "remove"):
        abort(400)
    current = session().scalars(
        select(AutoResponseFlag).where(AutoResponseFlag.resident_id == person.id)
    ).one_or_none()
    blocking = current is not None and current.blocking
    if (form.action.data == "remove") != blocking:
        flash("フラグが設定されていないため解除できません。" if not blocking
              else "フラグは既に設定されています。期限の延長は期間終了前の確認作業で行います。", "error")
        return redirect(url_for("exchange.flag", atena_no=atena_no))
    try:
        state = jobs.start_flag_case(session(), person.id, form.action.data, _actor(), clock.now)
    except WorkflowError as exc:
        session().rollback()
        flash(str(exc), "error")
        return redirect(url_for("exchange.flag", atena_no=atena_no))
    log_access(AccessAction.UPDATE, atena_no=person.atena_no, reason=REASON_FLAG,
               detail=f"自動応答不可フラグの{'解除' if form.action.data == 'remove' else '設定'}を開始（案件 {state.case_no}）")
    session().commit()
    flash(f"案件 {state.case_no} を開始しました。依頼の内容を入力してください。", "success")
    return _go_to_task(state, Role.FLAG_OFFICER)


def _doses(result: QueryResult) -> list[p.VaccinationEntry]:
    return list(p.QueryResult.model_validate_json(result.raw).records)


@bp.get("/cases/<int:case_id>")
@roles(*EXCHANGE_ROLES)
def case(case_id: int):
    found = session().get(Case, case_id)
    if found is None or found.procedure not in CASE_ROLES:
        abort(404)
    if current_staff().roles.isdisjoint(CASE_ROLES[Procedure(found.procedure)]):
        abort(403)
    requests = session().scalars(
        select(IntermediaryRequest).where(IntermediaryRequest.case_id == found.id).order_by(IntermediaryRequest.id)
    ).all()
    results = session().scalars(
        select(QueryResult).where(QueryResult.request_id.in_([r.id for r in requests])).order_by(QueryResult.id)
    ).all()
    context = {
        "case": found, "person": found.resident, "requests": requests, "statuses": RequestStatus,
        "results": [(r, _doses(r)) for r in results],
        "notices": session().scalars(select(NoticeLetter).where(NoticeLetter.case_id == found.id)).all(),
        "flag_events": session().scalars(
            select(AutoResponseFlagEvent).where(AutoResponseFlagEvent.case_id == found.id)
            .order_by(AutoResponseFlagEvent.id)
        ).all(),
        "reasons": REASON_LABELS,
        "incoming": session().scalars(select(IncomingQuery).where(IncomingQuery.case_id == found.id)).first(),
        "incoming_statuses": IncomingQueryStatus,
        "provisions": session().scalars(
            select(ProvisionRecord).where(ProvisionRecord.case_id == found.id).order_by(ProvisionRecord.id)
        ).all(),
    }
    if context["incoming"] is not None and found.resident is not None:
        context["would_send"] = records_to_provide(
            session(), found.resident.id, exchange_settings().intermediary.municipality_code
        )
    if found.resident is not None:
        reason = REASON_TRANSFER if found.procedure == Procedure.TRANSFER_IN else REASON_FLAG
        log_access(AccessAction.VIEW, atena_no=found.resident.atena_no, reason=reason,
                   detail=f"中間サーバ連携の内容を参照（案件 {found.case_no}）")
        session().commit()
    return render_template("exchange/case.html", **context)


@bp.get("/notices/<int:notice_id>")
@roles(Role.COUNTER, Role.SUPERVISOR)
def notice_pdf(notice_id: int):
    letter = session().get(NoticeLetter, notice_id)
    if letter is None:
        abort(404)
    person = session().get(Resident, letter.resident_id)
    log_access(AccessAction.PRINT, atena_no=person.atena_no, reason=REASON_TRANSFER,
               detail=f"個別通知（{letter.id}）を表示・印刷")
    session().commit()
    return Response(letter.pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="notice-{letter.id}.pdf"'})


@bp.get("/provisions")
@roles(Role.SUPERVISOR, Role.FLAG_OFFICER, Role.AUDITOR)
def provisions():
    rows = session().scalars(
        select(ProvisionRecord).order_by(ProvisionRecord.decided_at.desc()).limit(200)
    ).all()
    people = {r.id: r for r in session().scalars(
        select(Resident).where(Resident.id.in_({row.resident_id for row in rows if row.resident_id}))
    )}
    for person in people.values():
        log_access(AccessAction.VIEW, atena_no=person.atena_no, reason="情報提供等記録の確認",
                   detail="情報提供等記録の一覧を参照")
    session().commit()
    return render_template("exchange/provisions.html", rows=rows, people=people)
