"""Optimistic locking: of two completions of the same task, exactly one lands, whole."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from models import HumanTask, ProcessInstance, TaskEvent
from tests.conftest import TEST_DATABASE_URL
from tests.workflows.conftest import deploy_file
from workflows import runtime, service
from workflows.cache import CACHE
from workflows.errors import Conflict, TaskAlreadyCompleted


@pytest.fixture
def case(db, staff, clock):
    deploy_file(db, "review_loop.bpmn")
    with db.transaction() as session:
        state = service.start_case(session, "certificate", "review_loop", staff["madoguchi1"], clock=clock)
    with db.transaction() as session:
        return service.complete_task(session, state.ready_tasks[0], staff["madoguchi1"],
                                     {"received_on": "2026-11-26"}, clock=clock)


def assert_exactly_one_completion(db, guid: str, winner_id: int, winner_result: str, revision: int):
    with db.transaction() as session:
        completions = session.scalars(
            select(TaskEvent).where(TaskEvent.task_guid == guid, TaskEvent.action == "complete")
        ).all()
        assert [(e.actor_id, e.data) for e in completions] == [(winner_id, {"result": winner_result})]
        task = session.scalars(select(HumanTask).where(HumanTask.task_guid == guid)).one()
        assert task.completed_by_id == winner_id
        instance = session.get(ProcessInstance, task.instance_id)
        assert instance.revision == revision + 1
        # The stored workflow carries the winner's decision: reloading it from the row shows
        # the path the winner chose (ok → approval, fix → correction request).
        CACHE.clear()
        workflow = runtime.open_by_id(session, instance.id).workflow
        assert workflow.get_tasks(spec_name="check_docs")[0].data["result"] == winner_result
        next_tasks = session.scalars(
            select(HumanTask.bpmn_id).where(HumanTask.instance_id == instance.id, HumanTask.state == "ready")
        ).all()
        assert next_tasks == (["approve"] if winner_result == "ok" else ["request_fix"])
        assert session.scalar(select(func.count()).select_from(HumanTask)) == 3


def test_a_change_landing_between_load_and_save_makes_the_later_save_fail_whole(db, case, staff, clock, monkeypatch):
    guid = case.ready_tasks[0]
    original = runtime.persist
    state = {"interfered": False}

    def persist_after_someone_else(*args, **kwargs):
        if not state["interfered"]:
            state["interfered"] = True
            with db.transaction() as other:
                service.complete_task(other, guid, staff["shinsa2"], {"result": "ok"}, clock=clock)
        return original(*args, **kwargs)

    monkeypatch.setattr(runtime, "persist", persist_after_someone_else)
    with pytest.raises(Conflict), db.transaction() as session:
        service.complete_task(session, guid, staff["shinsa1"], {"result": "fix"}, clock=clock)
    assert_exactly_one_completion(db, guid, staff["shinsa2"].staff_id, "ok", case.revision)


@pytest.mark.postgres_only
@pytest.mark.skipif(not TEST_DATABASE_URL, reason="row-lock race needs PostgreSQL; SQLite serialises writers")
def test_two_threads_complete_the_same_task_and_exactly_one_wins(db, case, staff, clock, monkeypatch):
    guid = case.ready_tasks[0]
    both_loaded = threading.Barrier(2, timeout=30)
    original = runtime.persist

    def persist_together(*args, **kwargs):
        both_loaded.wait()  # both have read revision N and run the engine before either saves
        return original(*args, **kwargs)

    monkeypatch.setattr(runtime, "persist", persist_together)
    outcomes: dict[str, object] = {}

    def attempt(login: str, result: str) -> None:
        try:
            with db.transaction() as session:
                service.complete_task(session, guid, staff[login], {"result": result}, clock=clock)
            outcomes[login] = "won"
        except (Conflict, TaskAlreadyCompleted) as exc:
            outcomes[login] = exc

    threads = [threading.Thread(target=attempt, args=a) for a in (("shinsa1", "fix"), ("shinsa2", "ok"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    winners = [login for login, outcome in outcomes.items() if outcome == "won"]
    assert len(winners) == 1, outcomes
    loser = ({"shinsa1", "shinsa2"} - set(winners)).pop()
    assert isinstance(outcomes[loser], Conflict)
    assert "更新されました" in str(outcomes[loser])
    winner = winners[0]
    assert_exactly_one_completion(db, guid, staff[winner].staff_id, "fix" if winner == "shinsa1" else "ok",
                                  case.revision)


@pytest.mark.postgres_only
@pytest.mark.skipif(not TEST_DATABASE_URL, reason="row-lock race needs PostgreSQL; SQLite serialises writers")
def test_two_people_claiming_at_once_get_one_claim(db, case, staff, clock):
    guid = case.ready_tasks[0]
    start = threading.Barrier(2, timeout=30)
    outcomes: dict[str, object] = {}

    def attempt(login: str) -> None:
        try:
            with db.transaction() as session:
                start.wait()
                service.claim(session, guid, staff[login], clock=clock)
            outcomes[login] = "claimed"
        except Conflict as exc:
            outcomes[login] = exc

    threads = [threading.Thread(target=attempt, args=(login,)) for login in ("shinsa1", "shinsa2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(str(v) if v != "claimed" else v for v in outcomes.values()) == [
        "claimed", "この作業は先に他の職員が担当しました"]
    with db.transaction() as session:
        task = session.scalars(select(HumanTask).where(HumanTask.task_guid == guid)).one()
        winner = next(login for login, v in outcomes.items() if v == "claimed")
        assert task.assignee_id == staff[winner].staff_id
        claims = session.scalars(select(TaskEvent).where(TaskEvent.action == "claim")).all()
        assert [c.actor_id for c in claims] == [staff[winner].staff_id]
