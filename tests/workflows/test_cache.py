"""The in-memory workflow cache is trusted only while the row is exactly as this process saved it."""

from __future__ import annotations

from sqlalchemy import update

from models import ProcessInstance
from tests.workflows.conftest import deploy_file
from workflows import runtime, service


def test_cached_workflow_is_reused_until_the_row_changes_elsewhere(db, staff, clock, monkeypatch):
    loads = []
    original = runtime.load_instance
    monkeypatch.setattr(runtime, "load_instance", lambda *a, **k: loads.append(1) or original(*a, **k))
    deploy_file(db, "review_loop.bpmn")
    with db.transaction() as session:
        state = service.start_case(session, "relief", "review_loop", staff["madoguchi1"], clock=clock)
    with db.transaction() as session:
        state = service.complete_task(session, state.ready_tasks[0], staff["madoguchi1"],
                                      {"received_on": "2026-11-26"}, clock=clock)
    assert loads == []  # the workflow saved by start_case was reused

    # Same id and revision, different content (e.g. a restored backup or an emptied test
    # database): the token differs, so the cached copy is not used.
    with db.transaction() as session:
        session.execute(update(ProcessInstance).values(state_token="0" * 32))
    with db.transaction() as session:
        state = service.complete_task(session, state.ready_tasks[0], staff["shinsa1"], {"result": "ok"}, clock=clock)
    assert loads == [1]
    assert state.status == "running"


def test_a_rolled_back_change_never_reaches_the_cache(db, staff, clock, monkeypatch):
    loads = []
    original = runtime.load_instance
    monkeypatch.setattr(runtime, "load_instance", lambda *a, **k: loads.append(1) or original(*a, **k))
    deploy_file(db, "review_loop.bpmn")
    with db.transaction() as session:
        state = service.start_case(session, "relief", "review_loop", staff["madoguchi1"], clock=clock)
    guid = state.ready_tasks[0]
    try:
        with db.transaction() as session:
            service.complete_task(session, guid, staff["madoguchi1"], {"received_on": "2026-11-26"}, clock=clock)
            raise RuntimeError("the screen failed after the engine call")
    except RuntimeError:
        pass
    with db.transaction() as session:
        again = service.complete_task(session, guid, staff["madoguchi1"], {"received_on": "2026-11-27"}, clock=clock)
    assert loads == [1]  # reloaded from the row: the rolled-back workflow was discarded
    assert again.revision == state.revision + 1
