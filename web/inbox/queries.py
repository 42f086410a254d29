"""Inbox queries: plain joins over the human-task index, case and resident (no workflow is loaded)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import Session, aliased

from models.case import Case
from models.resident import Resident
from models.staff import Staff
from models.task import HumanTask, HumanTaskState
from web.inbox.search import TextQuery, like_prefix
from web.timefmt import jst_day_start

COUNT_CAP = 200  # counting further costs time and helps nobody: "200件以上" (the dashboard counts queues)

VIEWS = {"mine": "自分の担当", "group": "グループ", "done": "完了済"}
ASSIGNED_ANY = "any"  # supervisors: tasks someone holds, in the queue view


@dataclass(frozen=True)
class Criteria:
    view: str
    staff_id: int
    roles: tuple[str, ...]  # lanes' roles to show in the group view
    procedure: str | None = None
    task_name: str | None = None
    due_before: date | None = None
    overdue: bool = False
    text: TextQuery | None = None
    assignee: str | None = None  # group view, supervisors: None (unclaimed), "any" or a staff id
    sort: str = "due"  # due, -due (and -done for the archive)


Assignee = aliased(Staff)


def inbox_query(criteria: Criteria, now: datetime) -> Select:
    query = (
        select(
            HumanTask.task_guid, HumanTask.name, HumanTask.due_at, HumanTask.created_at,
            HumanTask.completed_at, HumanTask.assignee_id, HumanTask.role,
            Case.id.label("case_id"), Case.case_no, Case.procedure,
            Resident.atena_no, Resident.family_name, Resident.given_name,
            Assignee.full_name.label("assignee_name"),
        )
        .select_from(HumanTask)
        .join(Case, Case.id == HumanTask.case_id)
        .outerjoin(Resident, Resident.id == Case.resident_id)
        .outerjoin(Assignee, Assignee.id == HumanTask.assignee_id)
    )
    if criteria.view == "mine":
        query = query.where(HumanTask.state == HumanTaskState.READY, HumanTask.assignee_id == criteria.staff_id)
    elif criteria.view == "group":
        query = query.where(HumanTask.state == HumanTaskState.READY, HumanTask.role.in_(criteria.roles))
        if criteria.assignee is None:
            query = query.where(HumanTask.assignee_id.is_(None))
        elif criteria.assignee == ASSIGNED_ANY:
            query = query.where(HumanTask.assignee_id.is_not(None))
        else:
            query = query.where(HumanTask.assignee_id == int(criteria.assignee))
    else:
        query = query.where(HumanTask.state == HumanTaskState.COMPLETED,
                            HumanTask.completed_by_id == criteria.staff_id)
    if criteria.procedure:
        query = query.where(Case.procedure == criteria.procedure)
    if criteria.task_name:
        query = query.where(HumanTask.name == criteria.task_name)
    if criteria.due_before:
        query = query.where(HumanTask.due_at < jst_day_start(criteria.due_before + timedelta(days=1)))
    if criteria.overdue:
        query = query.where(HumanTask.due_at < now)
    if criteria.text is not None:
        pattern = like_prefix(criteria.text.value)
        if criteria.text.kind == "case_no":
            query = query.where(Case.case_no.like(pattern, escape="\\"))
        else:
            query = query.where(Resident.name_kana.like(pattern, escape="\\"))
    return query


def ordered(query: Select, criteria: Criteria) -> Select:
    if criteria.sort == "-done" and criteria.view == "done":
        return query.order_by(HumanTask.completed_at.desc(), HumanTask.id.desc())
    # NULLS FIRST/LAST as a btree on due_at scans them, so the index gives the order.
    if criteria.sort == "-due":
        return query.order_by(HumanTask.due_at.desc().nulls_first(), HumanTask.id.desc())
    return query.order_by(HumanTask.due_at.asc().nulls_last(), HumanTask.id)


def capped_count(session: Session, query: Select, criteria: Criteria) -> int | None:
    """Number of matching rows, counted up to COUNT_CAP + 1; None for a カナ氏名 search, whose
    count would visit every person of a common family name (the page itself stops at 50)."""
    if criteria.text is not None and criteria.text.kind == "kana":
        return None
    limited = query.with_only_columns(HumanTask.id).order_by(None).limit(COUNT_CAP + 1).subquery()
    return session.scalar(select(func.count()).select_from(limited)) or 0


# Distinct names of ready tasks by a loose index scan: one index probe per name, not per row.
_TASK_NAMES = text("""
WITH RECURSIVE names(name) AS (
    SELECT min(name) FROM human_task WHERE state = 'ready'
    UNION ALL
    SELECT (SELECT min(h.name) FROM human_task h WHERE h.state = 'ready' AND h.name > names.name)
    FROM names WHERE names.name IS NOT NULL
)
SELECT name FROM names WHERE name IS NOT NULL
""")


_PLAN_SETTINGS = text(
    "SELECT set_config('max_parallel_workers_per_gather', '0', true),"
    " set_config('plan_cache_mode', 'force_custom_plan', true)"
)


def serial_plan(session: Session) -> None:
    """Planner settings for this transaction (PostgreSQL). A page of 50 rows read in index
    order gains nothing from parallel workers, which each walk the index and overshoot; and a
    prepared statement's generic plan cannot use the prefix indexes for LIKE 'R8-CERT-0001%'
    or 'ヤマダ%', because the pattern is a parameter, so every execution is planned afresh."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_PLAN_SETTINGS)


def ready_task_names(session: Session) -> list[str]:
    return list(session.scalars(_TASK_NAMES))
