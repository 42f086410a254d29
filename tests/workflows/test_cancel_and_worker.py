"""Cancelling a case, the worker loop, and the in-process evaluation of trivial conditions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Case, HumanTask, MessageRoute, ProcessInstance, TaskEvent
from tests.workflows.conftest import deploy_file
from workflows import fastpath, service, timers
from workflows.errors import FormInvalid, InstanceNotRunnable, NotAllowed, TaskAlreadyCompleted


def test_a_supervisor_cancels_a_waiting_case_and_everything_open_closes(db, staff, clock):
    deploy_file(db, "message_wait.bpmn")
    deploy_file(db, "deadline.bpmn")
    with db.transaction() as session:
        waiting = service.start_case(session, "transfer_in", "await_reply", staff["madoguchi1"], clock=clock)
        timed = service.start_case(session, "relief", "fix_deadline", staff["madoguchi1"], clock=clock)
    with db.transaction() as session, pytest.raises(NotAllowed):
        service.cancel_case(session, timed.instance_id, staff["madoguchi1"], "申請の取下げ", clock=clock)
    with db.transaction() as session, pytest.raises(FormInvalid):
        service.cancel_case(session, timed.instance_id, staff["kantoku1"], " ", clock=clock)
    with db.transaction() as session:
        for state in (waiting, timed):
            service.cancel_case(session, state.instance_id, staff["kantoku1"], "申請の取下げ", clock=clock)
    with db.transaction() as session:
        assert session.scalars(select(MessageRoute)).all() == []
        assert {i.status for i in session.scalars(select(ProcessInstance))} == {"cancelled"}
        assert {c.status for c in session.scalars(select(Case))} == {"cancelled"}
        assert session.get(ProcessInstance, timed.instance_id).next_timer_at is None
        assert session.scalars(select(HumanTask.state)).all() == ["cancelled"]
        notes = session.scalars(select(TaskEvent.note).where(TaskEvent.action == "case_cancelled")).all()
        assert notes == ["申請の取下げ", "申請の取下げ"]
    with db.transaction() as session, pytest.raises(TaskAlreadyCompleted, match="取り消されています"):
        service.complete_task(session, timed.ready_tasks[0], staff["madoguchi1"], {}, clock=clock)
    with db.transaction() as session, pytest.raises(InstanceNotRunnable):
        service.cancel_case(session, timed.instance_id, staff["kantoku1"], "再度", clock=clock)
    clock.advance(days=40)
    assert timers.tick(db, clock).timers == 0


def test_worker_loop_fires_due_timers_until_told_to_stop(db, staff, clock):
    deploy_file(db, "deadline.bpmn")
    with db.transaction() as session:
        service.start_case(session, "relief", "fix_deadline", staff["madoguchi1"], clock=clock)
    clock.advance(days=31)
    passes = []
    timers.worker(db, interval=0, clock=clock, should_stop=lambda: passes.append(1) or len(passes) > 2)
    with db.transaction() as session:
        assert session.scalars(select(TaskEvent.action).where(TaskEvent.action == "timer")).all() == ["timer"]
        assert session.scalars(select(ProcessInstance.status)).all() == ["completed"]


@pytest.mark.parametrize(
    "expression",
    ["len(x)", "x.upper()", "x[0]", "x[key]", "x['a':'b']", "(a or b)['k']", "_x['k']", "a * b", "[c for c in x]",
     "__builtins__", "lambda: 1", "(yield)"],
)
def test_only_names_constants_and_comparisons_skip_the_sandbox(expression):
    assert fastpath.trivial_code(expression) is None


def test_trivial_conditions_evaluate_without_builtins():
    code = fastpath.trivial_code("result == 'fix' and not done or count >= 3")
    assert fastpath.evaluate(code, {"result": "fix", "done": False, "count": 0}, None) is True
    with pytest.raises(NameError):
        fastpath.evaluate(fastpath.trivial_code("missing == 1"), {}, None)


def test_keys_of_plain_dicts_are_read_in_process_and_anything_else_goes_to_the_sandbox():
    found = fastpath.trivial_code('reply["status"] == "answered" and national["decision"]["outcome"] != "deferred"')
    data = {"reply": {"status": "answered"}, "national": {"decision": {"outcome": "approved"}}}
    assert fastpath.evaluate(found, data, None) is True
    for unfit in ({"reply": {}, "national": data["national"]},  # a missing key: the sandbox says so
                  {"reply": "answered", "national": data["national"]},  # not a dict
                  {"national": data["national"]}):  # no such name
        with pytest.raises(fastpath.NeedsSandbox):
            fastpath.evaluate(found, unfit, None)
