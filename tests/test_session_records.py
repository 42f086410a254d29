"""Records of finished sessions are deleted by the workflow worker after the retention period."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.staff import Role
from models.staff_session import StaffSession
from tests.auth_helpers import log_in, log_out
from web.auth.housekeeping import session_record_job
from workflows import timers


@pytest.fixture(autouse=True)
def fresh_job(monkeypatch):
    """The job as a newly started worker has it (it remembers when it last ran)."""
    monkeypatch.setitem(timers.JOBS, "staff_sessions", session_record_job(30))


def end_reasons(db) -> list[str | None]:
    with db.Session() as session:
        return list(session.scalars(select(StaffSession.end_reason).order_by(StaffSession.id)))


def test_finished_sessions_are_deleted_after_thirty_days_and_live_ones_kept(app, client, make_staff, clock, db):
    log_in(client, make_staff("madoguchi8", Role.COUNTER), clock.now)
    log_out(client)  # ended now
    log_in(app.test_client(), make_staff("madoguchi9", Role.COUNTER), clock.now)  # never logged out
    clock.advance(days=29, hours=23)
    assert timers.tick(db, clock).jobs["staff_sessions"] == 0  # nothing is thirty days old yet
    assert len(end_reasons(db)) == 2

    clock.advance(hours=2)
    log_in(client, make_staff("kantoku9", Role.SUPERVISOR), clock.now)  # someone at work today
    assert timers.tick(db, clock).jobs["staff_sessions"] == 2
    assert end_reasons(db) == [None]  # only today's session is left
    assert client.get("/").status_code == 200  # and it still works


def test_the_purge_runs_at_most_once_an_hour(client, make_staff, clock, db):
    account = make_staff("madoguchi8", Role.COUNTER)
    for _ in range(2):  # two sessions, ten minutes apart
        log_in(client, account, clock.now)
        log_out(client)
        clock.advance(minutes=10)
    clock.advance(days=30, minutes=-15)
    assert timers.tick(db, clock).jobs["staff_sessions"] == 1  # the first is 30 days old
    clock.advance(minutes=10)
    assert timers.tick(db, clock).jobs["staff_sessions"] == 0  # the second too now, but not this hour
    clock.advance(hours=1)
    assert timers.tick(db, clock).jobs["staff_sessions"] == 1
    assert end_reasons(db) == []
