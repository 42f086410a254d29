"""受信トレイ: 自分の担当 (claimed by me), グループ (the unclaimed tasks of my lanes) and 完了済.

Claiming, giving back and (for 監督者) reassigning go through workflows.service, one task at
a time from a row, or many at once as a job with a progress bar (web.jobs).
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import or_, select
from werkzeug.datastructures import MultiDict

from models.access_log import AccessAction
from models.case import Procedure
from models.inbox_filter import InboxFilter
from models.staff import Role, Staff, StaffRole
from web import clock
from web.access_log import log_access
from web.auth.current import current_staff
from web.db import session as db_session
from web.inbox import bulk
from web.inbox.forms import CRITERIA_FIELDS, InboxFilterForm, SaveFilterForm
from web.inbox.people import full_name, short_name
from web.inbox.queries import (
    ASSIGNED_ANY,
    COUNT_CAP,
    VIEWS,
    Criteria,
    capped_count,
    inbox_query,
    ordered,
    ready_task_names,
    serial_plan,
)
from web.inbox.search import TextQueryError, parse_text_query
from web.security import roles, safe_next
from web.timefmt import JST

bp = Blueprint("inbox", __name__, url_prefix="/inbox")

PAGE_SIZE = 50
WORK_ROLES = tuple(Role)  # any role may have lanes (workflows.roles)


def _staff() -> Staff:
    staff = current_staff()
    assert staff is not None
    return staff


def reassign_candidates(staff: Staff) -> list[Staff]:
    """Active staff of the supervisor's department holding a role, for 割り当て."""
    return list(db_session().scalars(
        select(Staff).where(Staff.active.is_(True), Staff.department_id == staff.department_id,
                            Staff.id.in_(select(StaffRole.staff_id)))
        .order_by(Staff.full_name, Staff.id)
    ))


def _filter_form(view: str, staff: Staff, candidates: list[Staff]) -> InboxFilterForm:
    form = InboxFilterForm(request.args)
    form.task.choices = [("", "すべて"), *((n, n) for n in ready_task_names(db_session()))]
    supervisor = Role.SUPERVISOR in staff.roles
    lanes = Role if supervisor else sorted(staff.roles)
    form.role.choices = [("", "自分の役割すべて"), *((r.value, r.label) for r in lanes)]
    if supervisor:
        form.assignee.choices = [("", "未割当"), (ASSIGNED_ANY, "担当者あり（全員）"),
                                 *((str(s.id), s.full_name) for s in candidates)]
    if view == "done":
        form.sort.choices = [("-done", "完了の新しい順"), *form.sort.choices]
    return form


def _criteria(view: str, staff: Staff, form: InboxFilterForm) -> Criteria:
    supervisor = Role.SUPERVISOR in staff.roles
    lane_roles = tuple(sorted(r.value for r in staff.roles))
    if form.role.data:
        if not supervisor and form.role.data not in lane_roles:
            abort(403)
        lane_roles = (form.role.data,)
    assignee = form.assignee.data or None
    if assignee and (not supervisor or (assignee != ASSIGNED_ANY and not assignee.isdigit())):
        assignee = None
    sort = form.sort.data or ("-done" if view == "done" else "due")
    return Criteria(
        view=view, staff_id=staff.id, roles=lane_roles, procedure=form.procedure.data or None,
        task_name=form.task.data or None, due_before=form.due_before.data, overdue=form.overdue.data,
        text=parse_text_query(form.q.data or ""), assignee=assignee if view == "group" else None,
        sort=sort,
    )


def _has_criteria(criteria: Criteria) -> bool:
    return bool(criteria.procedure or criteria.task_name or criteria.due_before or criteria.overdue
                or criteria.text or criteria.assignee)


def _visible_filters(staff: Staff) -> list[InboxFilter]:
    return list(db_session().scalars(
        select(InboxFilter).where(or_(InboxFilter.owner_id == staff.id,
                                      InboxFilter.department_id == staff.department_id))
        .order_by(InboxFilter.name, InboxFilter.id)
    ))


def _log_people(view: str, rows: list, searched: bool) -> None:
    """One access-log row per page that shows people, naming each by 宛名番号."""
    atena = list(dict.fromkeys(r.atena_no for r in rows if r.atena_no))
    if not atena:
        return
    log_access(
        AccessAction.SEARCH if searched else AccessAction.VIEW,
        atena_no=atena[0] if len(atena) == 1 else None,
        reason="担当作業の確認",
        detail=f"受信トレイ（{VIEWS[view]}）{len(atena)}名: 宛名番号 {'、'.join(atena)}",
    )


@bp.get("/", defaults={"view": "mine"})
@bp.get("/<view>")
@roles(*WORK_ROLES)
def index(view: str):
    if view not in VIEWS:
        abort(404)
    staff = _staff()
    supervisor = Role.SUPERVISOR in staff.roles
    candidates = reassign_candidates(staff) if supervisor else []
    form = _filter_form(view, staff, candidates)
    rows: list = []
    total: int | None = 0
    more = False
    page = 1
    now = clock.now()
    error = None
    if form.validate():
        try:
            criteria = _criteria(view, staff, form)
        except TextQueryError as exc:
            error = str(exc)
        else:
            page = form.page.data or 1
            session = db_session()
            serial_plan(session)
            query = inbox_query(criteria, now)
            total = capped_count(session, query, criteria)
            rows = session.execute(
                ordered(query, criteria).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
            ).all()
            more = len(rows) > PAGE_SIZE
            rows = rows[:PAGE_SIZE]
            _log_people(view, rows, _has_criteria(criteria))
            session.commit()
    today = now.astimezone(JST).date()
    # One url_for per page rather than several per row: "/tasks/" and "/cases/".
    tasks_prefix = url_for("tasks.show", task_guid="-")[:-1]
    case_prefix = (case_link(0) or "")[:-1] or None
    items = [_item(row, view, now, today, tasks_prefix, case_prefix) for row in rows]
    return render_template(
        "inbox/index.html", view=view, views=VIEWS, form=form, items=items, total=total, more=more,
        capped=total is not None and total > COUNT_CAP, page=page, page_size=PAGE_SIZE, args=request.args, error=error,
        supervisor=supervisor, candidates=candidates, saved_filters=_visible_filters(staff),
        save_form=SaveFilterForm(), staff=staff,
    )


def _item(row, view: str, now: datetime, today, tasks_prefix: str, case_prefix: str | None) -> dict:
    name = (full_name if view == "mine" else short_name)(row.family_name, row.given_name)
    return {
        "task_guid": row.task_guid, "url": tasks_prefix + row.task_guid, "task_name": row.name,
        "case_url": f"{case_prefix}{row.case_id}" if case_prefix else None,
        "case_no": row.case_no, "procedure": Procedure(row.procedure).label, "subject": name,
        "due_at": row.due_at, "overdue": row.due_at is not None and row.due_at < now and view != "done",
        "elapsed_days": (today - row.created_at.astimezone(JST).date()).days,
        "assignee_id": row.assignee_id, "assignee_name": row.assignee_name or "",
        "completed_at": row.completed_at,
    }


def case_link(case_id: int) -> str | None:
    """The case page (案件詳細) when that screen is installed."""
    if "cases.show" in current_app.view_functions:
        return url_for("cases.show", case_id=case_id)
    return None


@bp.app_template_global("case_url")
def case_url(case_id: int) -> str | None:
    return case_link(case_id)


@bp.post("/filters")
@roles(*WORK_ROLES)
def save_filter():
    staff = _staff()
    form = SaveFilterForm()
    view = request.form.get("view", "mine")
    if view not in VIEWS:
        abort(400)
    back = url_for("inbox.index", view=view, **_criteria_args(request.form))
    if not form.validate():
        flash("検索条件の名前を入力してください（60文字以内）", "error")
        return redirect(back)
    session = db_session()
    name = form.name.data.strip()
    saved = session.scalars(select(InboxFilter).where(InboxFilter.owner_id == staff.id,
                                                      InboxFilter.name == name)).first()
    if saved is None:
        saved = InboxFilter(owner_id=staff.id, name=name)
        session.add(saved)
    saved.view = view
    saved.criteria = _criteria_args(request.form)
    saved.department_id = staff.department_id if form.shared.data else None
    session.commit()
    shared = "（部署で共有）" if form.shared.data else ""
    flash(f"検索条件「{name}」を保存しました{shared}", "success")
    return redirect(back)


def _criteria_args(source: MultiDict) -> dict[str, str]:
    return {k: source[k] for k in CRITERIA_FIELDS if source.get(k)}


@bp.get("/filters/<int:filter_id>")
@roles(*WORK_ROLES)
def apply_filter(filter_id: int):
    staff = _staff()
    saved = db_session().get(InboxFilter, filter_id)
    if saved is None or not (saved.owner_id == staff.id or saved.department_id == staff.department_id):
        abort(404)
    return redirect(url_for("inbox.index", view=saved.view, **saved.criteria))


@bp.post("/filters/<int:filter_id>/delete")
@roles(*WORK_ROLES)
def delete_filter(filter_id: int):
    session = db_session()
    saved = session.get(InboxFilter, filter_id)
    if saved is None or saved.owner_id != _staff().id:
        abort(404)
    session.delete(saved)
    session.commit()
    flash(f"検索条件「{saved.name}」を削除しました", "success")
    return redirect(safe_next(request.form.get("next")) or url_for("inbox.index"))


@bp.post("/bulk")
@roles(*WORK_ROLES)
def bulk_action():
    staff = _staff()
    guids = list(dict.fromkeys(request.form.getlist("task")))
    action = request.form.get("action", "")
    back = safe_next(request.form.get("next")) or url_for("inbox.index")
    if action not in bulk.ACTIONS:
        abort(400)
    if not guids:
        flash("作業を選んでください", "error")
        return redirect(back)
    to_staff_id = None
    if action == "reassign":
        if Role.SUPERVISOR not in staff.roles:
            flash("作業の割り当てを変更できるのは監督者だけです", "error")
            return redirect(back)
        raw = request.form.get("to_staff", "")
        if not raw.isdigit():
            flash("割り当て先の職員を選んでください", "error")
            return redirect(back)
        to_staff_id = int(raw)
    job_id = bulk.start(current_app._get_current_object(), staff, action, guids, to_staff_id, back)
    return redirect(url_for("jobs.show", job_id=job_id))


@bp.app_template_filter("jst_date")
def jst_date(value: datetime | None) -> str:
    """2026-04-01 (the Japanese calendar day of a stored UTC time)."""
    return value.astimezone(JST).strftime("%Y-%m-%d") if value else ""
