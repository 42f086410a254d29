"""案件詳細 and 案件検索: a case's timeline and diagram, the supervisor's retry and cancel."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import func, or_, select

from models.access_log import ACCESS_REASONS, AccessAction
from models.case import PROTECTED_PROCEDURES, Case, CaseStatus, Procedure
from models.process import InstanceStatus, ProcessInstance
from models.staff import Role
from models.task import HumanTask, HumanTaskState
from web import clock
from web.access_log import log_access
from web.auth.current import current_staff
from web.auth.current import terminal as request_terminal
from web.cases.forms import PHONE_ENQUIRY, CancelForm, CaseSearchForm, RetryForm
from web.cases.search import Criteria, case_query
from web.cases.timeline import case_timeline
from web.db import session as db_session
from web.security import may_reach, roles
from workflows.diagram import element_states
from workflows.errors import WorkflowError
from workflows.service import Actor, cancel_case, retry

bp = Blueprint("cases", __name__, url_prefix="/cases")

CASE_ROLES = (Role.COUNTER, Role.SUPERVISOR, Role.EXAMINER)
PAGE_SIZE = 50
TASK_SCREEN = "tasks.show"

# 処理事由 recorded when a case page is opened without one chosen on the search screen.
DEFAULT_REASONS = {
    Procedure.CERTIFICATE: "窓口での証明書交付申請",
    Procedure.RELIEF: "健康被害救済給付の請求・審査",
    Procedure.TRANSFER_IN: "転入者の接種履歴照会",
    Procedure.AUTO_RESPONSE_BLOCK: "自動応答不可フラグの設定・解除",
}


def _sees_protected() -> bool:
    """A person's flag cases and incoming queries (PROTECTED_PROCEDURES) are for supervisors here."""
    return Role.SUPERVISOR in current_staff().roles


def _case_or_404(case_id: int) -> Case:
    case = db_session().get(Case, case_id)
    if case is None or (case.procedure in PROTECTED_PROCEDURES and case.resident_id is not None
                        and not _sees_protected()):
        abort(404)
    return case


def _latest_instance(case_id: int) -> ProcessInstance | None:
    return db_session().scalars(
        select(ProcessInstance).where(ProcessInstance.case_id == case_id).order_by(ProcessInstance.id.desc())
    ).first()


def _reason(case: Case) -> str:
    chosen = request.args.get("reason")
    if chosen in ACCESS_REASONS and chosen != "その他":
        return chosen
    return DEFAULT_REASONS.get(Procedure(case.procedure), f"案件の確認（{Procedure(case.procedure).label}）")


def _actor() -> Actor:
    return Actor.of(current_staff(), terminal=request_terminal())


def _task_link(task: HumanTask) -> str | None:
    """The task screen of a ready task, when that screen exists and the person may open it."""
    staff = current_staff()
    if (task.state != HumanTaskState.READY or TASK_SCREEN not in current_app.view_functions
            or not may_reach(current_app, TASK_SCREEN, staff.roles)):
        return None
    return url_for(TASK_SCREEN, task_guid=task.task_guid)


@bp.get("/<int:case_id>")
@roles(*CASE_ROLES)
def show(case_id: int):
    case = _case_or_404(case_id)
    db = db_session()
    instance = _latest_instance(case.id)
    tasks = db.scalars(
        select(HumanTask).where(HumanTask.case_id == case.id).order_by(HumanTask.created_at, HumanTask.id)
    ).all()
    entries = case_timeline(db, case.id)
    staff = current_staff()
    supervisor = Role.SUPERVISOR in staff.roles
    page = render_template(
        "cases/show.html", case=case, procedure=Procedure(case.procedure), status=CaseStatus(case.status),
        instance=instance, tasks=tasks, entries=entries, task_link=_task_link, now=clock.now(),
        may_retry=supervisor and instance is not None and instance.status == InstanceStatus.ERROR,
        may_cancel=supervisor and instance is not None
        and instance.status in (InstanceStatus.RUNNING, InstanceStatus.ERROR),
        retry_form=RetryForm(), cancel_form=CancelForm(),
    )
    if case.resident is not None:
        log_access(AccessAction.VIEW, atena_no=case.resident.atena_no, reason=_reason(case),
                   detail=f"案件詳細 {case.case_no}")
        db.commit()
    return page


@bp.get("/<int:case_id>/diagram.json")
@roles(*CASE_ROLES)
def diagram(case_id: int):
    """The instance's BPMN XML and the state of each element, for the read-only viewer."""
    instance = _latest_instance(_case_or_404(case_id).id)
    shown = element_states(db_session(), instance.id) if instance is not None else None
    if shown is None:
        abort(404)
    return jsonify(process_key=shown.process_key, version=shown.version, xml=shown.bpmn_xml,
                   states=shown.states)


@bp.post("/<int:case_id>/retry")
@roles(Role.SUPERVISOR)
def retry_case(case_id: int):
    case = _case_or_404(case_id)
    instance = _latest_instance(case.id)
    if instance is None:
        abort(404)
    if not RetryForm().validate_on_submit():
        abort(400)
    db = db_session()
    try:
        state = retry(db, instance.id, _actor(), clock=clock.now)
    except WorkflowError as exc:
        db.rollback()
        flash(str(exc), "error")
        return redirect(url_for("cases.show", case_id=case.id))
    _log_update(case, f"案件 {case.case_no} の再実行")
    db.commit()
    if state.error:
        flash(f"再実行しましたが、再びエラーになりました: {state.error}", "error")
    else:
        flash("再実行しました。案件は処理を再開しています。", "info")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.post("/<int:case_id>/cancel")
@roles(Role.SUPERVISOR)
def cancel(case_id: int):
    case = _case_or_404(case_id)
    instance = _latest_instance(case.id)
    if instance is None:
        abort(404)
    form = CancelForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for("cases.show", case_id=case.id))
    db = db_session()
    reason = form.reason.data.strip()
    try:
        cancel_case(db, instance.id, _actor(), reason, clock=clock.now)
    except WorkflowError as exc:
        db.rollback()
        flash(str(exc), "error")
        return redirect(url_for("cases.show", case_id=case.id))
    _log_update(case, f"案件 {case.case_no} の取消（理由: {reason}）")
    db.commit()
    flash(f"案件 {case.case_no} を取り消しました。", "info")
    return redirect(url_for("cases.show", case_id=case.id))


def _log_update(case: Case, detail: str) -> None:
    if case.resident is not None:
        log_access(AccessAction.UPDATE, atena_no=case.resident.atena_no, reason=_reason(case), detail=detail)


@bp.get("")
@roles(*CASE_ROLES)
def search():
    form = CaseSearchForm(request.args)
    rows: list = []
    total = 0
    searched = False
    if request.args and form.validate():
        if not form.has_conditions():
            flash("条件を1つ以上入力してください。", "error")
        else:
            searched = True
            criteria = Criteria.of(form)
            page_no = form.page.data or 1
            db = db_session()
            query = case_query(criteria)
            if not _sees_protected():
                query = query.where(or_(Case.procedure.not_in(PROTECTED_PROCEDURES), Case.resident_id.is_(None)))
            total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
            rows = db.execute(query.offset((page_no - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
            _log_search(criteria, form, rows, total)
            db.commit()
    return render_template(
        "cases/search.html", form=form, rows=rows, total=total, searched=searched,
        page=form.page.data or 1, page_size=PAGE_SIZE, args=request.args,
        reason=form.reason.data or PHONE_ENQUIRY, procedure_of=Procedure, status_of=CaseStatus,
    )


def _log_search(criteria: Criteria, form: CaseSearchForm, rows: list, total: int) -> None:
    """One SEARCH row per person shown (named by 宛名番号), or one for a subject search that found none."""
    detail = f"案件検索（{criteria.describe()}）{total}件"
    shown = sorted({resident.atena_no for _case, resident in rows if resident is not None})
    for atena_no in shown:
        log_access(AccessAction.SEARCH, atena_no=atena_no, reason=form.reason.data, detail=detail)
    if not shown and form.has_subject():
        log_access(AccessAction.SEARCH, atena_no=criteria.atena_no, reason=form.reason.data, detail=detail)
