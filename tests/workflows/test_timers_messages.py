"""Timers fire from the worker after the clock moves, exactly once; messages find their case."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from models import Case, HumanTask, MessageRoute, ProcessInstance, TaskEvent
from models.db import Database
from tests.conftest import TEST_DATABASE_URL
from tests.workflows.conftest import deploy_file
from workflows import runtime, service, timers
from workflows.errors import NotFound


@pytest.fixture
def deadline_case(db, staff, clock):
    deploy_file(db, "deadline.bpmn")
    with db.transaction() as session:
        return service.start_case(session, "relief", "fix_deadline", staff["madoguchi1"], clock=clock)


def timer_events(db) -> list[TaskEvent]:
    with db.transaction() as session:
        return list(session.scalars(select(TaskEvent).where(TaskEvent.action == "timer")))


def test_due_time_is_indexed_and_nothing_fires_early(db, deadline_case, clock):
    with db.transaction() as session:
        instance = session.get(ProcessInstance, deadline_case.instance_id)
        assert abs((instance.next_timer_at - clock.now).total_seconds() - 30 * 86400) < 1
    clock.advance(days=29)
    assert timers.tick(db, clock).timers == 0
    assert timer_events(db) == []


def test_boundary_timer_fires_once_after_the_clock_moves_and_cancels_the_task(db, deadline_case, clock, cli):
    clock.advance(days=30, seconds=1)
    assert timers.tick(db, clock).timers == 1
    assert timers.tick(db, clock).timers == 0
    assert len(timer_events(db)) == 1
    with db.transaction() as session:
        task = session.scalars(select(HumanTask).where(HumanTask.task_guid == deadline_case.ready_tasks[0])).one()
        assert task.state == "cancelled"
        cancelled = session.scalars(select(TaskEvent).where(TaskEvent.action == "cancelled")).one()
        assert cancelled.task_guid == task.task_guid
        instance = session.get(ProcessInstance, deadline_case.instance_id)
        assert instance.status == "completed" and instance.next_timer_at is None
        assert session.get(Case, deadline_case.case_id).status == "closed"


def test_completing_before_the_deadline_clears_the_timer(db, deadline_case, staff, clock):
    with db.transaction() as session:
        service.complete_task(session, deadline_case.ready_tasks[0], staff["madoguchi1"], {"received": "y"}, clock=clock)
    clock.advance(days=31)
    assert timers.tick(db, clock).timers == 0


def test_tick_command_runs_one_pass(deadline_case, cli):
    result = cli.invoke(args=["workflows", "tick"])
    assert result.exit_code == 0
    assert "タイマー 0 件" in result.output


@pytest.mark.postgres_only
@pytest.mark.skipif(not TEST_DATABASE_URL, reason="SKIP LOCKED needs PostgreSQL; SQLite has no row locks")
def test_two_workers_fire_a_due_timer_exactly_once(db, staff, clock):
    deploy_file(db, "deadline.bpmn")
    with db.transaction() as session:
        for _ in range(6):
            service.start_case(session, "relief", "fix_deadline", staff["madoguchi1"], clock=clock)
    clock.advance(days=31)
    start = threading.Barrier(2, timeout=30)
    fired: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        worker_db = Database(db.engine.url)  # its own connection pool, like another host
        try:
            start.wait()
            fired.append(timers.tick(worker_db, clock, batch=1).timers)
        except BaseException as exc:
            errors.append(exc)
        finally:
            worker_db.dispose()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(fired) == 6
    events = timer_events(db)
    assert len(events) == 6
    assert len({e.instance_id for e in events}) == 6


@pytest.fixture
def waiting_case(db, staff, clock):
    deploy_file(db, "message_wait.bpmn")
    with db.transaction() as session:
        return service.start_case(session, "transfer_in", "await_reply", staff["madoguchi1"], clock=clock)


def test_message_is_routed_by_case_number(db, waiting_case, staff, clock):
    with db.transaction() as session:
        other = service.start_case(session, "transfer_in", "await_reply", staff["madoguchi1"], clock=clock)
        routes = session.scalars(select(MessageRoute).order_by(MessageRoute.id)).all()
        assert [(r.message_name, r.correlation_key) for r in routes] == [
            ("chukan_reply", waiting_case.case_no), ("chukan_reply", other.case_no)]
    assert waiting_case.ready_tasks == ()
    with db.transaction() as session:
        [state] = service.send_message(session, "chukan_reply", waiting_case.case_no, {"found": 2}, clock=clock)
    assert state.instance_id == waiting_case.instance_id
    assert len(state.ready_tasks) == 1
    with db.transaction() as session:
        assert session.get(Case, waiting_case.case_id).stage == "照会結果の確認"
        assert session.get(Case, other.case_id).stage is None
        remaining = session.scalars(select(MessageRoute)).all()
        assert [r.instance_id for r in remaining] == [other.instance_id]
        workflow = runtime.open_by_id(session, state.instance_id).workflow
        assert workflow.get_tasks(spec_name="review")[0].data["reply"] == {"found": 2}


def test_message_nobody_waits_for_is_refused(db, waiting_case, clock):
    with db.transaction() as session, pytest.raises(NotFound, match="待っている案件はありません"):
        service.send_message(session, "chukan_reply", "R8-XFER-999999", {}, clock=clock)
    with db.transaction() as session:
        service.send_message(session, "chukan_reply", waiting_case.case_no, {}, clock=clock)
    with db.transaction() as session, pytest.raises(NotFound):
        service.send_message(session, "chukan_reply", waiting_case.case_no, {}, clock=clock)


def test_intermediate_timer_releases_the_next_task_after_the_clock_moves(db, staff, clock):
    deploy_file(db, "waiting_period.bpmn")
    with db.transaction() as session:
        state = service.start_case(session, "relief", "waiting_period", staff["madoguchi1"], clock=clock)
    assert state.ready_tasks == ()
    clock.advance(days=6, hours=23)
    assert timers.tick(db, clock).timers == 0
    clock.advance(hours=2)
    assert timers.tick(db, clock).timers == 1
    with db.transaction() as session:
        [task] = session.scalars(select(HumanTask).where(HumanTask.state == "ready")).all()
        assert task.bpmn_id == "follow_up"
        assert session.get(Case, state.case_id).stage == "督促"
        assert session.get(ProcessInstance, state.instance_id).next_timer_at is None


def test_run_due_timers_takes_a_moment_in_the_callers_transaction(db, deadline_case, clock):
    with db.transaction() as session:
        assert timers.run_due_timers(session, clock.now) == 0
    with db.transaction() as session:
        assert timers.run_due_timers(session, clock.now.replace(year=2027)) == 1
    assert len(timer_events(db)) == 1
