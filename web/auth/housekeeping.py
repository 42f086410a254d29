"""Deleting old session records, from the workflow worker at most once an hour."""

from __future__ import annotations

from datetime import datetime, timedelta

from models.db import Database
from models.staff_session import purge_finished
from workflows.timers import Job

EVERY = timedelta(hours=1)


def session_record_job(keep_days: int) -> Job:
    last_run: datetime | None = None

    def job(database: Database, clock) -> int:
        nonlocal last_run
        now = clock()
        if last_run is not None and last_run <= now < last_run + EVERY:
            return 0
        with database.transaction() as session:
            removed = purge_finished(session, now - timedelta(days=keep_days))
        last_run = now
        return removed

    return job
