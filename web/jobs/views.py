"""Job pages: a list of my jobs, one job's progress bar, and the JSON the bar polls."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template
from sqlalchemy import select

from models.job import Job, JobStatus
from web import clock
from web.auth.current import current_staff
from web.db import session as db_session
from web.security import login_only

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def _own_job(job_id: int) -> Job:
    job = db_session().get(Job, job_id)
    staff = current_staff()
    if job is None or staff is None or job.owner_id != staff.id:
        abort(404)
    return job


def _status_label(job: Job) -> str:
    return "中断" if job.interrupted(clock.now()) else JobStatus(job.status).label


@bp.get("/")
@login_only
def index():
    staff = current_staff()
    jobs = db_session().scalars(
        select(Job).where(Job.owner_id == staff.id).order_by(Job.created_at.desc(), Job.id.desc()).limit(30)
    ).all()
    return render_template("jobs/index.html", jobs=jobs, status_label=_status_label)


@bp.get("/<int:job_id>")
@login_only
def show(job_id: int):
    job = _own_job(job_id)
    return render_template("jobs/show.html", job=job, status_label=_status_label(job))


@bp.get("/<int:job_id>/progress")
@login_only
def progress(job_id: int):
    job = _own_job(job_id)
    return jsonify(
        status=job.status, status_label=_status_label(job), done=job.done, total=job.total,
        failed=job.failed, percent=job.percent, message=job.message or "",
        finished=job.status != JobStatus.RUNNING or job.interrupted(clock.now()),
    )
