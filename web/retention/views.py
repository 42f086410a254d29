"""Screens of the `retention_purge` process (保存期間経過記録の削除).

A 業務管理者 requests the deletion of the records the retention report lists as of a
date, with a reason; a 監督者 other than the requester approves or rejects it on the task
screen (form `retention_purge_approval`); the approved set is deleted once by
`flask --app wsgi retention purge --request ID`.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy import select

from handlers.retention import LEGAL_MINIMUM_YEARS, retention_cutoff, snapshot
from models.access_log import AccessAction
from models.case import Procedure
from models.retention_purge import PurgeStatus, RetentionPurgeRequest
from models.staff import Role
from models.task import HumanTask, HumanTaskState
from web import clock
from web.access_log import log_access
from web.auth.current import current_staff, terminal
from web.db import session as db_session
from web.forms.retention import PurgeRequestForm
from web.security import roles
from web.tasks.summary import register_case_details
from workflows import service
from workflows.errors import WorkflowError

bp = Blueprint("retention", __name__, url_prefix="/retention")

PROCESS_KEY = "retention_purge"
APPROVAL_TASK = "approve_purge"


@bp.get("/")
@roles(Role.PROCESS_OWNER, Role.SUPERVISOR)
def index():
    requests = db_session().scalars(select(RetentionPurgeRequest)
                                    .order_by(RetentionPurgeRequest.id.desc()).limit(200)).all()
    form = PurgeRequestForm(formdata=None, as_of=clock.now().date())
    return render_template("retention/index.html", requests=requests, form=form, staff=current_staff(),
                           years=LEGAL_MINIMUM_YEARS)


@bp.post("/new")
@roles(Role.PROCESS_OWNER)
def new():
    form = PurgeRequestForm()
    session = db_session()
    if not form.validate_on_submit():
        requests = session.scalars(select(RetentionPurgeRequest)
                                   .order_by(RetentionPurgeRequest.id.desc()).limit(200)).all()
        return render_template("retention/index.html", requests=requests, form=form,
                               staff=current_staff(), years=LEGAL_MINIMUM_YEARS), 400
    if form.as_of.data > clock.now().date():
        flash("基準日に未来の日付は指定できません。", "error")
        return redirect(url_for("retention.index"))
    records, people = snapshot(session, today=form.as_of.data, years=LEGAL_MINIMUM_YEARS)
    if not records:
        flash("基準日の時点で保存期間を過ぎた接種記録はありません。", "error")
        return redirect(url_for("retention.index"))
    staff = current_staff()
    assert staff is not None
    purge = RetentionPurgeRequest(requester_id=staff.id, as_of=form.as_of.data, years=LEGAL_MINIMUM_YEARS,
                                  reason=form.reason.data.strip(), records=records,
                                  record_count=len(records), status=PurgeStatus.REQUESTED,
                                  requested_at=clock.now())
    session.add(purge)
    session.flush()
    actor = service.Actor.of(staff, terminal=terminal())
    try:
        state = service.start_case(session, Procedure.RETENTION_PURGE, PROCESS_KEY, actor,
                                   data={"purge_request_id": purge.id}, clock=clock.now)
        purge.case_id = state.case_id
        submitted = {"as_of": form.as_of.data.isoformat(), "reason": purge.reason}
        service.complete_task(session, state.ready_tasks[0], actor, submitted, clock=clock.now)
    except WorkflowError as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("retention.index"))
    session.flush()
    log_access(AccessAction.QUERY, reason=purge.reason,
               detail=f"接種記録の削除申請 {state.case_no}（基準日 {purge.as_of}、{len(records)}件・"
                      f"{len(people)}人）")
    session.commit()
    flash(f"削除を申請しました（{state.case_no}、{len(records)}件）。監督者の承認を待ってください。", "success")
    return redirect(url_for("retention.show", request_id=purge.id))


@bp.get("/<int:request_id>")
@roles(Role.PROCESS_OWNER, Role.SUPERVISOR)
def show(request_id: int):
    session = db_session()
    purge = session.get(RetentionPurgeRequest, request_id)
    if purge is None:
        abort(404)
    approval = session.scalars(select(HumanTask).where(HumanTask.case_id == purge.case_id,
                                                       HumanTask.bpmn_id == APPROVAL_TASK)
                               .order_by(HumanTask.id.desc())).first()
    awaiting = approval is not None and approval.state == HumanTaskState.READY
    return render_template("retention/show.html", purge=purge, approval=approval, awaiting=awaiting,
                           cutoff=retention_cutoff(purge.as_of, purge.years))


def _case_details(session, case) -> list[tuple[str, str]]:
    purge = session.scalars(select(RetentionPurgeRequest)
                            .where(RetentionPurgeRequest.case_id == case.id)).first()
    if purge is None:
        return []
    return [("申請者", purge.requester.full_name),
            ("基準日", f"{purge.as_of}（{retention_cutoff(purge.as_of, purge.years)} より前の接種）"),
            ("削除する接種記録", f"{purge.record_count}件"),
            ("処理事由", purge.reason)]


register_case_details(Procedure.RETENTION_PURGE, _case_details)
