"""Bulk claim, unclaim and reassignment of inbox tasks, run as a job with progress."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from models.case import Case
from models.db import Database
from models.job import JobProgress
from models.staff import Staff
from models.task import HumanTask
from web.auth.current import terminal
from web.jobs.runner import run_in_background
from workflows import service
from workflows.errors import WorkflowError

ACTIONS = {"claim": "担当", "unclaim": "担当を外す", "reassign": "割り当て"}
TITLES = {"claim": "作業の一括担当", "unclaim": "作業の担当の一括解除", "reassign": "作業の一括割り当て"}
DONE = {"claim": "担当しました", "unclaim": "担当を外しました", "reassign": "割り当てました"}


def start(app: Flask, staff: Staff, action: str, guids: list[str], to_staff_id: int | None,
          return_to: str) -> int:
    """Create the job and start it; returns the job id."""
    database: Database = app.extensions["sesshu_db"]
    actor = service.Actor.of(staff, terminal=terminal())
    title = TITLES[action]
    if to_staff_id is not None:
        with database.Session() as session:
            target = session.get(Staff, to_staff_id)
            title += f"（{target.full_name} さんへ）" if target else ""
    progress = JobProgress.start(database, kind=f"inbox_{action}", title=f"{title} {len(guids)}件",
                                 owner_id=staff.id, total=len(guids), return_to=return_to)

    def work(progress: JobProgress) -> None:
        succeeded = 0
        for guid in guids:
            label = _label(database, guid)
            try:
                with database.transaction() as session:
                    if action == "claim":
                        service.claim(session, guid, actor)
                    elif action == "unclaim":
                        service.unclaim(session, guid, actor)
                    else:
                        service.reassign(session, guid, actor, to_staff_id)
            except WorkflowError as exc:
                progress.advance(failure=f"{label}: {exc}")
            else:
                succeeded += 1
                progress.advance(message=f"{label} を{DONE[action]}")
        failed = len(guids) - succeeded
        summary = f"{len(guids)}件のうち{succeeded}件を{DONE[action]}"
        progress.finish(summary + (f"。{failed}件はできませんでした。" if failed else "。"))

    run_in_background(progress, work)
    return progress.job_id


def _label(database: Database, guid: str) -> str:
    with database.Session() as session:
        row = session.execute(
            select(Case.case_no, HumanTask.name).join(Case, Case.id == HumanTask.case_id)
            .where(HumanTask.task_guid == guid)
        ).first()
    return f"{row.case_no}「{row.name}」" if row else "（見つからない作業）"
