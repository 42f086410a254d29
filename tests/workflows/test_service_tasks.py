"""Service tasks call registered handlers; a failing handler leaves a visible, retryable error."""

from __future__ import annotations

from sqlalchemy import select

from models import Case, HumanTask, ProcessInstance, TaskEvent
from tests.workflows.conftest import deploy_file
from workflows import service, timers
from workflows.runtime import open_by_id


def start(db, staff, clock):
    deploy_file(db, "service_call.bpmn")
    with db.transaction() as session:
        return service.start_case(session, "transfer_in", "service_call", staff["madoguchi1"], clock=clock)


def test_handler_receives_evaluated_parameters_and_its_result_is_stored(db, staff, clock, lookup_operator):
    calls, _ = lookup_operator
    state = start(db, staff, clock)
    assert calls == [{"case_id": state.case_id, "label": "照会" + state.case_no}]
    assert state.status == "running" and len(state.ready_tasks) == 1
    with db.transaction() as session:
        workflow = open_by_id(session, state.instance_id).workflow
        assert workflow.get_tasks(spec_name="review")[0].data["lookup_result"] == {"found": True, "count": 2}


def test_handler_error_puts_the_case_in_error_and_a_retry_continues_it(db, staff, clock, lookup_operator):
    calls, failures = lookup_operator
    failures.append(ConnectionError("中間サーバに接続できません"))
    state = start(db, staff, clock)
    assert state.status == "error"
    assert "中間サーバに接続できません" in state.error
    assert "NameError" not in state.error
    with db.transaction() as session:
        instance = session.get(ProcessInstance, state.instance_id)
        assert instance.error_count == 1
        assert instance.next_retry_at > clock.now
        assert session.get(Case, state.case_id).status == "error"
        assert session.scalars(select(HumanTask)).all() == []
        assert session.scalars(select(TaskEvent.action).where(TaskEvent.action == "error")).all() == ["error"]

    # the worker retries automatically once the back-off has passed; the second call succeeds
    assert timers.tick(db, clock).retries == 0
    clock.advance(minutes=2)
    assert timers.tick(db, clock).retries == 1
    assert len(calls) == 2
    with db.transaction() as session:
        instance = session.get(ProcessInstance, state.instance_id)
        assert (instance.status, instance.error_count, instance.error_message) == ("running", 0, None)
        assert session.get(Case, state.case_id).status == "open"
        assert [t.bpmn_id for t in session.scalars(select(HumanTask))] == ["review"]


def test_staff_can_retry_at_once_and_repeated_failures_back_off(db, staff, clock, lookup_operator):
    calls, failures = lookup_operator
    failures.extend([ValueError("一時的な障害"), ValueError("一時的な障害")])
    state = start(db, staff, clock)
    with db.transaction() as session:
        again = service.retry(session, state.instance_id, staff["kantoku1"], clock=clock)
    assert again.status == "error"
    with db.transaction() as session:
        instance = session.get(ProcessInstance, state.instance_id)
        assert instance.error_count == 2
        assert (instance.next_retry_at - clock.now).total_seconds() == 120
    with db.transaction() as session:
        done = service.retry(session, state.instance_id, staff["kantoku1"], clock=clock)
    assert done.status == "running" and len(done.ready_tasks) == 1
    assert len(calls) == 3


def test_a_handler_error_leaves_none_of_its_writes(db, staff, clock):
    from handlers import registry
    from models import Department

    def half_done(context, case_id, label):
        context.session.add(Department(code="HALF", name="書きかけ"))
        context.session.flush()
        raise RuntimeError("途中で失敗")

    registry.register("test/lookup", half_done, ["case_id", "label"])
    try:
        state = start(db, staff, clock)
    finally:
        registry.unregister("test/lookup")
    assert state.status == "error"
    with db.transaction() as session:
        assert session.scalars(select(Department).where(Department.code == "HALF")).all() == []


def test_a_case_stuck_in_error_can_be_cancelled(db, staff, clock, lookup_operator):
    _, failures = lookup_operator
    failures.append(RuntimeError("停止中"))
    state = start(db, staff, clock)
    with db.transaction() as session:
        cancelled = service.cancel_case(session, state.instance_id, staff["kantoku1"], "照会先の廃止", clock=clock)
    assert cancelled.status == "cancelled"
    clock.advance(hours=2)
    assert timers.tick(db, clock).retries == 0
    with db.transaction() as session:
        assert session.get(Case, state.case_id).status == "cancelled"


def test_operators_of_every_handler_module_are_known_without_importing_them(tmp_path, monkeypatch):
    import handlers
    from handlers import registry

    (tmp_path / "sample_notice.py").write_text(
        "from handlers.registry import register\n"
        "def send(context, case_id):\n    return {'sent': case_id}\n"
        "register('sample/notice', send, ['case_id'])\n"
    )
    monkeypatch.setattr(handlers, "__path__", [*handlers.__path__, str(tmp_path)])
    monkeypatch.setattr(registry, "_discovered", False)
    try:
        operator = registry.get("sample/notice")
        assert operator is not None and operator.parameter_names == {"case_id"}
    finally:
        registry.unregister("sample/notice")
