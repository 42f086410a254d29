"""業務状況 (dashboard) for 監督者 and 業務管理者."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from models.staff import Role
from web import clock
from web.auth.current import current_staff
from web.dashboard.chart import weekly_chart
from web.dashboard.figures import (
    oldest_open_cases,
    open_cases_by_stage,
    tasks_by_lane,
    weekly_counts,
)
from web.db import session as db_session
from web.security import may_reach, roles

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("")
@roles(Role.SUPERVISOR, Role.PROCESS_OWNER)
def index():
    db = db_session()
    now = clock.now()
    stages = open_cases_by_stage(db, now)
    lanes = tasks_by_lane(db, now)
    weeks = weekly_counts(db, now)
    return render_template(
        "dashboard/index.html",
        now=now, stages=stages, lanes=lanes, weeks=weeks, chart=weekly_chart(weeks),
        oldest=oldest_open_cases(db, now),
        totals={
            "open": sum(r.open for r in stages), "error": sum(r.error for r in stages),
            "ready": sum(r.ready for r in lanes), "unassigned": sum(r.unassigned for r in lanes),
            "overdue": sum(r.overdue for r in lanes),
        },
        link_cases=may_reach(current_app, "cases.show", current_staff().roles),
    )
