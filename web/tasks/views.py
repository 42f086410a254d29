"""The task screen (作業画面): the form of the current step beside the case summary, the
step's instructions and the history so far; plus claim, unclaim, reassign and drafts.

Form input is never lost: it is saved as a draft while typing (static/task_draft.js),
restored on return, kept on validation errors and kept as a draft when completing fails
because someone else changed the case first.
"""

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
from flask_wtf import FlaskForm
from jinja2 import TemplateNotFound
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from wtforms import Form

from models.access_log import AccessAction
from models.case import Case, CaseStatus, Procedure
from models.process import ProcessInstance
from models.staff import Role, Staff
from models.task import HumanTask, HumanTaskState, TaskEvent
from web.access_log import log_access
from web.auth.current import current_staff
from web.db import session as db_session
from web.forms import generic
from web.inbox.people import full_name
from web.inbox.views import WORK_ROLES, reassign_candidates
from web.security import roles, safe_next
from web.tasks import drafts
from web.tasks.actor import engine_actor
from web.tasks.instructions import render_instructions
from web.tasks.summary import case_details
from workflows import service
from workflows.errors import (
    Conflict,
    FormInvalid,
    TaskAlreadyCompleted,
    WorkflowError,
)

bp = Blueprint("tasks", __name__, url_prefix="/tasks")

REVISION_FIELD = "_revision"

# 処理事由 written to the access log when a task of the procedure is opened.
REASONS = {
    Procedure.CERTIFICATE: "窓口での証明書交付申請",
    Procedure.RELIEF: "健康被害救済給付の請求・審査",
    Procedure.TRANSFER_IN: "転入者の接種履歴照会",
    Procedure.AUTO_RESPONSE_BLOCK: "自動応答不可フラグの設定・解除",
}

EVENT_LABELS = {
    "start": "案件開始", "claim": "担当", "unclaim": "担当を外す", "reassign": "割り当て変更",
    "complete": "完了", "refused": "二者確認による拒否", "message": "メッセージ受信",
    "timer": "期限・タイマー", "retry": "再実行", "error": "エラー", "case_cancelled": "案件取消",
    "cancelled": "作業取消",
}


# --- loading and permissions --------------------------------------------------------------


def _staff() -> Staff:
    staff = current_staff()
    assert staff is not None
    return staff


def _task(task_guid: str) -> HumanTask:
    task = db_session().scalars(select(HumanTask).where(HumanTask.task_guid == task_guid)).first()
    if task is None:
        abort(404)
    return task


def _may_see(staff: Staff, task: HumanTask) -> bool:
    return (Role(task.role) in staff.roles or Role.SUPERVISOR in staff.roles
            or staff.id in (task.assignee_id, task.completed_by_id))


def _may_work(staff: Staff, task: HumanTask) -> bool:
    """Whether the person may type into the form and complete it now."""
    return (task.state == HumanTaskState.READY and Role(task.role) in staff.roles
            and task.assignee_id in (None, staff.id))


def _form_class(task_form: service.TaskForm) -> type[Form] | None:
    if task_form.fields:
        return generic.generic_form_class(task_form.fields)
    if task_form.form_key:
        return generic.form_class(task_form.form_key)
    return None


def _build_form(form_class: type[Form] | None, formdata: MultiDict | None) -> Form | None:
    if form_class is None:
        return None
    kwargs = {"meta": {"csrf": False}} if issubclass(form_class, FlaskForm) else {}
    return form_class(formdata=formdata, **kwargs)


def _field_names(form: Form | None) -> list[str]:
    return [] if form is None else [f.name for f in form if f.name not in generic.IGNORED]


def _form_template(form_key: str | None) -> str | None:
    """A procedure's own template for its form (tasks/forms/<form_key>.html), when it ships one."""
    if not form_key or form_key == "generic":
        return None
    name = f"tasks/forms/{form_key}.html"
    try:
        current_app.jinja_env.get_template(name)
    except TemplateNotFound:
        return None
    return name


def _reason(case: Case) -> str:
    try:
        return REASONS.get(Procedure(case.procedure), "その他")
    except ValueError:
        return "その他"


# --- the screen -----------------------------------------------------------------------------


def _render(task: HumanTask, form: Form | None, *, status: int = 200, draft_saved_at=None,
            errors: dict[str, str] | None = None, revision: int | None = None):
    session = db_session()
    staff = _staff()
    case: Case = task.case
    task_form = service.task_form(session, task.task_guid)
    instance = session.get(ProcessInstance, task.instance_id)
    history = session.scalars(
        select(TaskEvent).where(TaskEvent.case_id == case.id).order_by(TaskEvent.at, TaskEvent.id)
    ).all()
    names = dict(session.execute(
        select(HumanTask.task_guid, HumanTask.name).where(HumanTask.case_id == case.id)
    ).all())
    resident = case.resident
    if resident is not None:
        log_access(AccessAction.VIEW, atena_no=resident.atena_no, reason=_reason(case),
                   detail=f"作業画面「{task.name}」（{case.case_no}）")
    session.commit()
    supervisor = Role.SUPERVISOR in staff.roles
    return render_template(
        "tasks/show.html", task=task, case=case, resident=resident,
        resident_name=full_name(resident.family_name, resident.given_name) if resident else "",
        procedure=_procedure_label(case.procedure), status_label=_case_status(case.status),
        task_form=task_form, form=form, form_template=_form_template(task_form.form_key),
        instructions=render_instructions(task_form.documentation), history=history, names=names,
        event_labels=EVENT_LABELS, may_work=_may_work(staff, task), staff=staff,
        revision=revision if revision is not None else (instance.revision if instance else 0),
        draft_saved_at=draft_saved_at, errors=errors or {}, details=case_details(session, case),
        supervisor=supervisor, candidates=reassign_candidates(staff) if supervisor else [],
    ), status


def _procedure_label(value: str) -> str:
    try:
        return Procedure(value).label
    except ValueError:
        return value


def _case_status(value: str) -> str:
    try:
        return CaseStatus(value).label
    except ValueError:
        return value


@bp.get("/<task_guid>")
@roles(*WORK_ROLES)
def show(task_guid: str):
    task = _task(task_guid)
    staff = _staff()
    if not _may_see(staff, task):
        abort(403, description="この作業の役割を持っていないため表示できません")
    draft = drafts.load(db_session(), staff.id, task_guid)
    form_class = _form_class(service.task_form(db_session(), task_guid))
    formdata = MultiDict(draft.data) if draft is not None else None
    return _render(task, _build_form(form_class, formdata), draft_saved_at=draft.saved_at if draft else None)


@bp.post("/<task_guid>")
@roles(*WORK_ROLES)
def complete(task_guid: str):
    session = db_session()
    task = _task(task_guid)
    staff = _staff()
    if not _may_see(staff, task):
        abort(403)
    form = _build_form(_form_class(service.task_form(session, task_guid)), request.form)
    revision = request.form.get(REVISION_FIELD, type=int)
    if form is not None and not form.validate():
        return _render(task, form, status=400, revision=revision)
    submitted = {k: v for k, v in request.form.items() if k in set(_field_names(form))}
    try:
        state = service.complete_task(session, task_guid, engine_actor(), submitted,
                                      expected_revision=revision)
    except FormInvalid as exc:
        session.rollback()
        return _render(task, form, status=400, errors=exc.errors, revision=revision)
    except (Conflict, TaskAlreadyCompleted, WorkflowError) as exc:
        session.rollback()
        saved_at = _keep_as_draft(session, staff, task_guid, form)
        kept = "入力した内容は下書きとして保存しました。" if saved_at else "入力した内容は画面に残っています。"
        flash(f"{exc} {kept}", "error")
        session.refresh(task)
        return _render(task, form, status=409, draft_saved_at=saved_at, revision=revision)
    drafts.discard(session, staff.id, task_guid)
    case = task.case
    if case.resident is not None:
        log_access(AccessAction.UPDATE, atena_no=case.resident.atena_no, reason=_reason(case),
                   detail=f"作業「{task.name}」を完了（{case.case_no}）")
    session.commit()
    next_task = _next_task(session, staff, task.case_id, state.ready_tasks)
    if next_task is not None:
        flash(f"「{task.name}」を完了しました。続けて「{next_task.name}」を開きました。", "success")
        return redirect(url_for("tasks.show", task_guid=next_task.task_guid))
    flash(f"「{task.name}」（{case.case_no}）を完了しました。", "success")
    return redirect(url_for("inbox.index"))


def _keep_as_draft(session: Session, staff: Staff, task_guid: str, form: Form | None):
    """Save what was submitted as the person's draft; its time, or None if it is too large."""
    try:
        typed = drafts.keep_fields(request.form.to_dict(flat=False), _field_names(form))
    except drafts.DraftTooLarge:
        return None
    typed = {k: (v[0] if len(v) == 1 else v) for k, v in typed.items()}
    saved = drafts.save(session, staff.id, task_guid, typed)
    session.commit()
    return saved.saved_at


def _next_task(session: Session, staff: Staff, case_id: int, ready: tuple[str, ...]) -> HumanTask | None:
    """The next ready task of the case that is mine, or unclaimed in my lanes and not barred
    from me by 二者確認 (it opens without being claimed: the person decides to take it)."""
    candidates = session.scalars(
        select(HumanTask).where(HumanTask.case_id == case_id, HumanTask.state == HumanTaskState.READY)
        .order_by(HumanTask.id)
    ).all()
    candidates = sorted(candidates, key=lambda t: (t.task_guid not in ready, t.assignee_id != staff.id))
    for task in candidates:
        if task.assignee_id == staff.id:
            return task
        if task.assignee_id is None and Role(task.role) in staff.roles and not _barred(session, staff, task):
            return task
    return None


def _barred(session: Session, staff: Staff, task: HumanTask) -> bool:
    separate_from = service.task_form(session, task.task_guid).separate_from
    if not separate_from:
        return False
    return session.scalars(select(HumanTask.id).where(
        HumanTask.instance_id == task.instance_id, HumanTask.bpmn_id.in_(separate_from),
        HumanTask.state == HumanTaskState.COMPLETED, HumanTask.completed_by_id == staff.id,
    )).first() is not None


# --- drafts ---------------------------------------------------------------------------------


@bp.post("/<task_guid>/draft")
@roles(*WORK_ROLES)
def save_draft(task_guid: str):
    session = db_session()
    task = _task(task_guid)
    staff = _staff()
    if not _may_work(staff, task):
        return jsonify(error="この作業の下書きは保存できません（完了済みか、他の職員が担当しています）"), 409
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return jsonify(error="下書きの形式が正しくありません"), 400
    form = _build_form(_form_class(service.task_form(session, task_guid)), None)
    try:
        data = drafts.keep_fields(payload, _field_names(form))
    except drafts.DraftTooLarge as exc:
        return jsonify(error=str(exc)), 413
    draft = drafts.save(session, staff.id, task_guid, data)
    session.commit()
    return jsonify(saved_at=draft.saved_at.isoformat())


@bp.post("/<task_guid>/draft/delete")
@roles(*WORK_ROLES)
def discard_draft(task_guid: str):
    session = db_session()
    _task(task_guid)
    drafts.discard(session, _staff().id, task_guid)
    session.commit()
    flash("下書きを破棄しました。", "success")
    return redirect(url_for("tasks.show", task_guid=task_guid))


# --- claim, unclaim, reassign ---------------------------------------------------------------


def _act(task_guid: str, act, success: str, *, then: str | None = None):
    session = db_session()
    task = _task(task_guid)
    back = safe_next(request.form.get("next")) or url_for("inbox.index")
    try:
        act(session)
    except WorkflowError as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(back)
    session.commit()
    flash(success.format(name=task.name, case_no=task.case.case_no), "success")
    return redirect(then or back)


@bp.post("/<task_guid>/claim")
@roles(*WORK_ROLES)
def claim(task_guid: str):
    return _act(task_guid, lambda s: service.claim(s, task_guid, engine_actor()),
                "「{name}」（{case_no}）を担当しました。",
                then=url_for("tasks.show", task_guid=task_guid))


@bp.post("/<task_guid>/unclaim")
@roles(*WORK_ROLES)
def unclaim(task_guid: str):
    return _act(task_guid, lambda s: service.unclaim(s, task_guid, engine_actor()),
                "「{name}」（{case_no}）の担当を外しました。")


@bp.post("/<task_guid>/reassign")
@roles(*WORK_ROLES)
def reassign(task_guid: str):
    raw = request.form.get("to_staff", "")
    if not raw.isdigit():
        flash("割り当て先の職員を選んでください", "error")
        return redirect(safe_next(request.form.get("next")) or url_for("tasks.show", task_guid=task_guid))
    target = db_session().get(Staff, int(raw))
    if target is None:
        flash("割り当て先の職員が見つかりません", "error")
        return redirect(safe_next(request.form.get("next")) or url_for("inbox.index"))
    return _act(task_guid, lambda s: service.reassign(s, task_guid, engine_actor(), target.id),
                "「{name}」（{case_no}）を" + f"{target.full_name} さんに割り当てました。")

