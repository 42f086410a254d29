"""Screens of the `data_export` process (外部媒体への書き出し).

窓口職員 request an export with a reason; a 監督者 other than the requester approves or
rejects it (the engine's separation of duties); the requester then creates the AES-256
zip (its password is shown once, on that page only) and downloads it once, within 24
hours of the approval. Every step writes an EXPORT row to the access log; the download
writes one per person in the file.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import or_, select

from handlers.export import (
    MAX_ROWS,
    ExportRefused,
    count_rows,
    people_in,
    prepare_file,
    take_file,
)
from models.access_log import AccessAction
from models.case import Procedure
from models.export_request import ExportKind, ExportRequest, ExportStatus
from models.my_number_access import may_view_my_number
from models.staff import Role, Staff
from models.task import HumanTask, HumanTaskState
from web import clock
from web.access_log import log_access
from web.auth.current import current_staff, terminal
from web.db import session as db_session
from web.forms.export import ExportApprovalForm, ExportRequestForm
from web.security import roles
from workflows import service
from workflows.errors import SeparationOfDutiesViolation, WorkflowError

bp = Blueprint("exports", __name__, url_prefix="/exports")

PROCESS_KEY = "data_export"
REQUEST_TASK = "request_export"
APPROVAL_TASK = "approve_export"
DOWNLOADED_MESSAGE = "export_downloaded"


def _staff() -> Staff:
    staff = current_staff()
    assert staff is not None  # every route here requires login
    return staff


def _actor() -> service.Actor:
    return service.Actor.of(_staff(), terminal=terminal())


def _request(export_id: int) -> ExportRequest:
    export = db_session().get(ExportRequest, export_id)
    if export is None:
        abort(404)
    staff = _staff()
    if export.requester_id != staff.id and not staff.has_role(Role.SUPERVISOR):
        abort(403, description="この書き出し申請は申請者と監督者だけが見られます。")
    return export


def _task(export: ExportRequest, bpmn_id: str, state: str | None = None) -> HumanTask | None:
    query = select(HumanTask).where(HumanTask.case_id == export.case_id, HumanTask.bpmn_id == bpmn_id)
    if state is not None:
        query = query.where(HumanTask.state == state)
    return db_session().scalars(query.order_by(HumanTask.id.desc())).first()


@bp.get("/")
@roles(Role.COUNTER, Role.SUPERVISOR)
def index():
    staff = _staff()
    query = select(ExportRequest).where(ExportRequest.requester_id == staff.id)
    if staff.has_role(Role.SUPERVISOR):
        query = select(ExportRequest).where(or_(ExportRequest.requester_id == staff.id,
                                                ExportRequest.status == ExportStatus.REQUESTED))
    exports = db_session().scalars(query.order_by(ExportRequest.id.desc()).limit(200)).all()
    return render_template("exports/index.html", exports=exports, staff=staff)


@bp.route("/new", methods=["GET", "POST"])
@roles(Role.COUNTER)
def new():
    form = ExportRequestForm()
    error = None
    if form.validate_on_submit():
        session = db_session()
        kind, criteria = ExportKind(form.kind.data), form.criteria()
        try:
            count = count_rows(session, kind, criteria)
            if count == 0:
                raise ExportRefused("条件に該当するデータがありません。")
            if count > MAX_ROWS:
                raise ExportRefused(f"該当が{count}件あり、1回に書き出せる{MAX_ROWS}件を超えます。条件を絞ってください。")
            export = _start(kind, criteria, form.reason.data.strip(), count)
        except (ExportRefused, WorkflowError) as exc:
            session.rollback()
            error = str(exc)
        else:
            flash(f"書き出しを申請しました（{export.case.case_no}）。監督者の承認を待ってください。", "success")
            return redirect(url_for("exports.show", export_id=export.id))
    status = 400 if form.is_submitted() else 200
    return render_template("exports/new.html", form=form, error=error), status


def _start(kind: ExportKind, criteria: dict, reason: str, count: int) -> ExportRequest:
    """The request row, its case, and the completed 申請 task, in one transaction."""
    session = db_session()
    staff = _staff()
    export = ExportRequest(requester_id=staff.id, kind=kind, criteria=criteria, reason=reason,
                           row_count=count, status=ExportStatus.REQUESTED, requested_at=clock.now())
    session.add(export)
    session.flush()
    actor = _actor()
    state = service.start_case(session, Procedure.DATA_EXPORT, PROCESS_KEY, actor,
                               data={"export_request_id": export.id}, clock=clock.now)
    export.case_id = state.case_id
    submitted = {k: v for k, v in request.form.items() if k != "csrf_token"}
    service.complete_task(session, state.ready_tasks[0], actor, submitted, clock=clock.now)
    session.flush()
    log_access(AccessAction.EXPORT, atena_no=criteria.get("atena_no"), reason=reason,
               detail=f"書き出し申請 {state.case_no}（{kind.label}、{count}件）")
    session.commit()
    return export


@bp.get("/<int:export_id>")
@roles(Role.COUNTER, Role.SUPERVISOR)
def show(export_id: int):
    export = _request(export_id)
    return _render_show(export)


def _render_show(export: ExportRequest, status: int = 200):
    staff = _staff()
    approval = _task(export, APPROVAL_TASK)
    awaiting = approval is not None and approval.state == HumanTaskState.READY
    return render_template(
        "exports/show.html", export=export, staff=staff, approval=approval,
        may_decide=awaiting and staff.has_role(Role.SUPERVISOR) and export.requester_id != staff.id,
        decision_form=ExportApprovalForm(),
        may_download=export.requester_id == staff.id and export.status == ExportStatus.APPROVED
        and export.expires_at is not None and clock.now() < export.expires_at,
        with_my_number=may_view_my_number(staff), now=clock.now(),
    ), status


@bp.get("/case/<int:case_id>")
@roles(Role.COUNTER, Role.SUPERVISOR)
def for_case(case_id: int):
    """The request of a `data_export` case (the task screen links here for the decision)."""
    export = db_session().scalars(select(ExportRequest).where(ExportRequest.case_id == case_id)).first()
    if export is None:
        abort(404)
    return redirect(url_for("exports.show", export_id=_request(export.id).id))


@bp.post("/<int:export_id>/decide")
@roles(Role.SUPERVISOR)
def decide(export_id: int):
    session = db_session()
    export = _request(export_id)
    task = _task(export, APPROVAL_TASK, HumanTaskState.READY)
    if task is None:
        flash("この申請は承認待ちではありません。", "error")
        return _render_show(export, 409)
    form = ExportApprovalForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return _render_show(export, 400)
    data = {"decision": form.decision.data, "decision_comment": form.decision_comment.data or ""}
    try:
        service.complete_task(session, task.task_guid, _actor(), data, clock=clock.now)
    except SeparationOfDutiesViolation as exc:
        session.rollback()
        flash(str(exc), "error")
        return _render_show(export, 403)
    except WorkflowError as exc:
        session.rollback()
        flash(str(exc), "error")
        return _render_show(export, 409)
    session.flush()
    verb = "承認" if form.decision.data == "approve" else "却下"
    log_access(AccessAction.EXPORT, atena_no=export.criteria.get("atena_no"), reason=export.reason,
               detail=f"書き出し申請 {export.case.case_no} を{verb}（{export.kind_label}、{export.row_count}件）")
    session.commit()
    flash(f"書き出し申請を{verb}しました。", "success")
    return redirect(url_for("exports.show", export_id=export.id))


@bp.post("/<int:export_id>/prepare")
@roles(Role.COUNTER)
def prepare(export_id: int):
    session = db_session()
    export = _request(export_id)
    staff = _staff()
    try:
        password = prepare_file(session, export.id, staff, clock.now())
    except ExportRefused as exc:
        session.rollback()
        return render_template("error.html", code=403, message=str(exc)), 403
    mark = "個人番号を含む" if may_view_my_number(staff) else "個人番号なし"
    log_access(AccessAction.EXPORT, atena_no=export.criteria.get("atena_no"), reason=export.reason,
               detail=f"書き出しファイル作成 {export.case.case_no}（{export.kind_label}、{mark}）")
    session.commit()
    return render_template("exports/password.html", export=export, password=password)


@bp.post("/<int:export_id>/download")
@roles(Role.COUNTER)
def download(export_id: int):
    session = db_session()
    export = _request(export_id)
    case_no = export.case.case_no
    try:
        name, data, export = take_file(session, export.id, _staff(), clock.now())
        service.send_message(session, DOWNLOADED_MESSAGE, case_no, {"export_request_id": export.id},
                             actor=_actor(), clock=clock.now)
    except (ExportRefused, WorkflowError) as exc:
        session.rollback()
        return render_template("error.html", code=403, message=str(exc)), 403
    for atena_no in people_in(session, export):
        log_access(AccessAction.EXPORT, atena_no=atena_no, reason=export.reason,
                   detail=f"書き出しファイルのダウンロード {case_no}（{export.kind_label}）")
    session.commit()
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
