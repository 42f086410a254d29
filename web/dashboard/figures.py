"""業務状況: the office's figures, each one aggregate query over cases and inbox rows.

No workflow is deserialized here: stages come from `case_file.stage` (the last milestone
reached) and tasks from the `human_task` index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from models.case import Case, CaseStatus, Procedure
from models.staff import Role
from models.task import HumanTask, HumanTaskState
from web.timefmt import JST, jst_day_start

OPEN = (CaseStatus.OPEN, CaseStatus.ERROR)


@dataclass(frozen=True)
class StageRow:
    procedure: str
    stage: str | None
    open: int
    error: int
    overdue_tasks: int

    @property
    def procedure_label(self) -> str:
        return Procedure(self.procedure).label


@dataclass(frozen=True)
class LaneRow:
    role: str
    lane: str | None
    ready: int
    unassigned: int
    overdue: int

    @property
    def role_label(self) -> str:
        return Role(self.role).label


@dataclass(frozen=True)
class WeekCount:
    start: date  # Monday, Japan time
    opened: int
    closed: int  # 完了 or 取消


@dataclass(frozen=True)
class OldCase:
    id: int
    case_no: str
    procedure: str
    stage: str | None
    status: str
    opened_at: datetime
    days_open: int

    @property
    def procedure_label(self) -> str:
        return Procedure(self.procedure).label

    @property
    def status_label(self) -> str:
        return CaseStatus(self.status).label


def _overdue(now: datetime):
    return and_(HumanTask.due_at.is_not(None), HumanTask.due_at < now)


def open_cases_by_stage(session: Session, now: datetime) -> list[StageRow]:
    """Open and erroneous cases per procedure and stage, with their overdue tasks."""
    counts = session.execute(
        select(
            Case.procedure, Case.stage,
            func.count(case((Case.status == CaseStatus.OPEN, 1))),
            func.count(case((Case.status == CaseStatus.ERROR, 1))),
        ).where(Case.status.in_(OPEN)).group_by(Case.procedure, Case.stage)
    ).all()
    overdue = dict(
        ((procedure, stage), n) for procedure, stage, n in session.execute(
            select(Case.procedure, Case.stage, func.count(HumanTask.id))
            .join(HumanTask, HumanTask.case_id == Case.id)
            .where(Case.status.in_(OPEN), HumanTask.state == HumanTaskState.READY, _overdue(now))
            .group_by(Case.procedure, Case.stage)
        )
    )
    rows = [StageRow(p, s, o, e, overdue.get((p, s), 0)) for p, s, o, e in counts]
    return sorted(rows, key=lambda r: (list(Procedure).index(Procedure(r.procedure)), r.stage or ""))


def tasks_by_lane(session: Session, now: datetime) -> list[LaneRow]:
    """Ready tasks per lane (role): all, not yet taken by anyone, past their due date."""
    rows = session.execute(
        select(
            HumanTask.role, HumanTask.lane, func.count(),
            func.count(case((HumanTask.assignee_id.is_(None), 1))),
            func.count(case((_overdue(now), 1))),
        ).where(HumanTask.state == HumanTaskState.READY).group_by(HumanTask.role, HumanTask.lane)
    ).all()
    return sorted((LaneRow(*row) for row in rows), key=lambda r: (list(Role).index(Role(r.role)), r.lane or ""))


def week_starts(now: datetime, weeks: int) -> list[date]:
    """The Mondays (Japan time) of the last `weeks` weeks, the current week last."""
    today = now.astimezone(JST).date()
    this_monday = today - timedelta(days=today.weekday())
    return [this_monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def weekly_counts(session: Session, now: datetime, weeks: int = 12) -> list[WeekCount]:
    """Cases opened and closed (完了・取消) in each of the last `weeks` weeks, in one query."""
    starts = week_starts(now, weeks)
    edges = [jst_day_start(day) for day in [*starts, starts[-1] + timedelta(weeks=1)]]
    spans = list(pairwise(edges))
    opened = [func.count(case((and_(Case.opened_at >= lo, Case.opened_at < hi), 1))) for lo, hi in spans]
    closed = [func.count(case((and_(Case.closed_at >= lo, Case.closed_at < hi), 1))) for lo, hi in spans]
    row = session.execute(
        select(*opened, *closed).where(or_(Case.opened_at >= edges[0], Case.closed_at >= edges[0]))
    ).one()
    return [WeekCount(day, row[i], row[weeks + i]) for i, day in enumerate(starts)]


def oldest_open_cases(session: Session, now: datetime, limit: int = 10) -> list[OldCase]:
    rows = session.execute(
        select(Case.id, Case.case_no, Case.procedure, Case.stage, Case.status, Case.opened_at)
        .where(Case.status.in_(OPEN)).order_by(Case.opened_at, Case.id).limit(limit)
    ).all()
    return [OldCase(*row, days_open=(now - row.opened_at).days) for row in rows]
