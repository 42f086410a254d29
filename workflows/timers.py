"""Background work: fire due timers and retry failed steps (`flask workflows tick|worker`).

Due instances are picked with `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so any
number of workers on any number of hosts never handle the same instance at once; a
worker that finds a row locked simply moves on. (SQLite serialises writers instead, and
the revision check catches anything else.)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from models.db import Database
from models.process import InstanceStatus
from workflows import service
from workflows.definitions import load_shipped
from workflows.errors import WorkflowError
from workflows.rows import INSTANCES, InstanceRow, instance_select
from workflows.runtime import open_instance
from workflows.spiff import Clock, system_clock

log = logging.getLogger(__name__)

MAX_AUTOMATIC_RETRIES = 5

# Periodic work of other parts of Sesshu run after timers and retries in every tick (e.g.
# delivering queued 中間サーバ messages, deleting expired query results). Registered by the
# application by name, so registering again replaces; each returns how many items it did.
Job = Callable[[Database, Clock], int]
JOBS: dict[str, Job] = {}


def register_job(name: str, job: Job) -> None:
    JOBS[name] = job


def _due(session: Session, condition, limit: int) -> list[InstanceRow]:
    query = (
        instance_select()
        .where(*condition)
        .order_by(INSTANCES.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=INSTANCES)
    )
    return [InstanceRow(*row) for row in session.connection().execute(query)]


def _clock(now: datetime | Clock) -> Clock:
    return (lambda: now) if isinstance(now, datetime) else now


def run_due_timers(session: Session, now: datetime | Clock = system_clock, *, limit: int = 50) -> int:
    """Fire the timers of up to `limit` due instances in the caller's transaction; how many.

    `now` is a moment or a clock (tests move it)."""
    clock = _clock(now)
    now = clock()
    instances = _due(
        session,
        (INSTANCES.c.status == InstanceStatus.RUNNING, INSTANCES.c.next_timer_at <= now),
        limit,
    )
    for row in instances:
        service.fire_timers(session, open_instance(session, row), clock)
    return len(instances)


def run_due_retries(session: Session, now: datetime | Clock = system_clock, *, limit: int = 20) -> int:
    """Retry failed instances whose back-off has passed, up to MAX_AUTOMATIC_RETRIES times."""
    clock = _clock(now)
    now = clock()
    instances = _due(
        session,
        (
            INSTANCES.c.status == InstanceStatus.ERROR,
            INSTANCES.c.next_retry_at <= now,
            INSTANCES.c.error_count < MAX_AUTOMATIC_RETRIES,
        ),
        limit,
    )
    for row in instances:
        service.retry(session, row.id, None, clock=clock)
    return len(instances)


@dataclass
class TickReport:
    timers: int = 0
    retries: int = 0
    failures: list[str] = field(default_factory=list)
    jobs: dict[str, int] = field(default_factory=dict)


def tick(database: Database, now: datetime | Clock = system_clock, *, batch: int = 50) -> TickReport:
    """One pass: every due timer and retry, a batch per transaction, until none is due."""
    clock = _clock(now)
    report = TickReport()
    for attr, work in (("timers", run_due_timers), ("retries", run_due_retries)):
        while True:
            try:
                with database.transaction() as session:
                    done = work(session, clock, limit=batch)
            except WorkflowError as exc:  # e.g. an instance changed under us: next pass
                report.failures.append(str(exc))
                break
            setattr(report, attr, getattr(report, attr) + done)
            if done < batch:
                break
    for name, job in list(JOBS.items()):
        try:
            report.jobs[name] = job(database, clock)
        except Exception as exc:  # one job failing must not stop timers or the other jobs
            log.exception("periodic job %s failed", name)
            report.failures.append(f"{name}: {exc}")
    return report


def worker(
    database: Database,
    *,
    interval: float = 5.0,
    clock: Clock = system_clock,
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Run `tick` every `interval` seconds until `should_stop()` says so."""
    with database.transaction() as session:
        load_shipped(session)
    while not should_stop():
        try:
            report = tick(database, clock)
            if report.timers or report.retries or any(report.jobs.values()):
                log.info("timers fired: %s, retries: %s, jobs: %s", report.timers, report.retries, report.jobs)
        except Exception:  # keep the worker alive; the next pass retries
            log.exception("workflow worker pass failed")
        resume_at = time.monotonic() + interval
        while not should_stop() and time.monotonic() < resume_at:
            time.sleep(min(0.2, interval))
