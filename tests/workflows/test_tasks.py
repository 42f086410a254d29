"""Human tasks: claim, unclaim, reassign, complete, forms, and separation of duties (二者確認)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import Case, HumanTask, HumanTaskState, ProcessInstance, TaskEvent
from tests.workflows.conftest import deploy_file
from workflows import service
from workflows.errors import (
    Conflict,
    FormInvalid,
    NotAllowed,
    SeparationOfDutiesViolation,
    TaskAlreadyCompleted,
)


@pytest.fixture
def case(db, staff, clock):
    deploy_file(db, "review_loop.bpmn")
    with db.transaction() as session:
        return service.start_case(session, "certificate", "review_loop", staff["madoguchi1"], clock=clock)


def complete(db, guid, actor, data, clock, **kwargs):
    with db.transaction() as session:
        return service.complete_task(session, guid, actor, data, clock=clock, **kwargs)


def ready_task(db, state) -> HumanTask:
    with db.transaction() as session:
        return session.scalars(select(HumanTask).where(HumanTask.task_guid == state.ready_tasks[0])).one()


def events(db, action: str) -> list[TaskEvent]:
    with db.transaction() as session:
        return list(session.scalars(select(TaskEvent).where(TaskEvent.action == action).order_by(TaskEvent.id)))


def test_start_opens_a_case_with_an_inbox_row_due_date_and_milestone(db, case, staff, clock):
    assert case.case_no.startswith("R8-CERT-")
    task = ready_task(db, case)
    assert (task.bpmn_id, task.name, task.role, task.form_key) == ("receive", "申請受付", "counter", "generic")
    assert task.due_at == clock.now + timedelta(days=3)
    with db.transaction() as session:
        assert session.get(Case, case.case_id).stage == "受付"
        inbox = service.inbox(session, staff["madoguchi2"])
        assert [t.task_guid for t in inbox] == list(case.ready_tasks)
        assert service.inbox(session, staff["shinsa1"]) == []


def test_form_data_is_validated_on_the_server(db, case, staff, clock):
    with pytest.raises(FormInvalid) as error:
        complete(db, case.ready_tasks[0], staff["madoguchi1"], {"received_on": "26/11/2026", "copies": "二"}, clock)
    assert set(error.value.errors) == {"受付日", "部数"}
    assert ready_task(db, case).state == HumanTaskState.READY
    state = complete(db, case.ready_tasks[0], staff["madoguchi1"], {"received_on": "2026-11-26", "copies": "2"}, clock)
    [done] = events(db, "complete")
    assert done.data == {"received_on": "2026-11-26", "copies": 2}
    assert done.terminal == "127.0.0.1 pytest"
    assert state.revision == case.revision + 1


def test_role_is_required_to_claim_and_complete(db, case, staff, clock):
    with db.transaction() as session, pytest.raises(NotAllowed, match="窓口職員"):
        service.claim(session, case.ready_tasks[0], staff["shinsa1"], clock=clock)
    with pytest.raises(NotAllowed):
        complete(db, case.ready_tasks[0], staff["kantoku1"], {"received_on": "2026-11-26"}, clock)


def test_claimed_task_belongs_to_its_holder_until_unclaimed(db, case, staff, clock):
    guid = case.ready_tasks[0]
    with db.transaction() as session:
        service.claim(session, guid, staff["madoguchi1"], clock=clock)
    with db.transaction() as session, pytest.raises(Conflict):
        service.claim(session, guid, staff["madoguchi2"], clock=clock)
    with pytest.raises(NotAllowed):
        complete(db, guid, staff["madoguchi2"], {"received_on": "2026-11-26"}, clock)
    with db.transaction() as session, pytest.raises(NotAllowed):
        service.unclaim(session, guid, staff["madoguchi2"], clock=clock)
    with db.transaction() as session:
        service.unclaim(session, guid, staff["madoguchi1"], clock=clock)
        service.claim(session, guid, staff["madoguchi2"], clock=clock)
    assert ready_task(db, case).assignee_id == staff["madoguchi2"].staff_id
    assert [e.action for e in events(db, "claim")] == ["claim", "claim"]


def test_separation_of_duties_refused_at_claim_and_at_complete_and_recorded(db, case, staff, clock):
    # shinsa2 is both examiner and supervisor: allowed to check the documents, then refused
    # the approval because the same person may not check and approve.
    state = complete(db, case.ready_tasks[0], staff["madoguchi1"], {"received_on": "2026-11-26"}, clock)
    state = complete(db, state.ready_tasks[0], staff["shinsa2"], {"result": "ok"}, clock)
    approve = state.ready_tasks[0]
    with db.transaction() as session, pytest.raises(SeparationOfDutiesViolation, match="書類確認"):
        service.claim(session, approve, staff["shinsa2"], clock=clock)
    with pytest.raises(SeparationOfDutiesViolation):
        complete(db, approve, staff["shinsa2"], {"approved": "y"}, clock)
    refusals = events(db, "refused")
    assert [(r.actor_id, r.data["attempted"], r.bpmn_id) for r in refusals] == [
        (staff["shinsa2"].staff_id, "claim", "approve"),
        (staff["shinsa2"].staff_id, "complete", "approve"),
    ]
    assert ready_task(db, state).state == HumanTaskState.READY
    final = complete(db, approve, staff["kantoku1"], {"approved": "y"}, clock)
    assert final.status == "completed"


def test_separation_of_duties_counts_every_earlier_performer(db, case, staff, clock):
    # The approval is separated from both the reception and the document check.
    state = complete(db, case.ready_tasks[0], staff["madoguchi1"], {"received_on": "2026-11-26"}, clock)
    state = complete(db, state.ready_tasks[0], staff["shinsa1"], {"result": "ok"}, clock)
    with db.transaction() as session:
        service.claim(session, state.ready_tasks[0], staff["kantoku1"], clock=clock)


def test_reassign_by_a_supervisor_respects_role_and_separation(db, case, staff, clock):
    state = complete(db, case.ready_tasks[0], staff["madoguchi1"], {"received_on": "2026-11-26"}, clock)
    state = complete(db, state.ready_tasks[0], staff["shinsa2"], {"result": "ok"}, clock)
    approve = state.ready_tasks[0]
    with db.transaction() as session, pytest.raises(NotAllowed, match="監督者"):
        service.reassign(session, approve, staff["madoguchi2"], staff["kantoku1"].staff_id, clock=clock)
    with db.transaction() as session, pytest.raises(NotAllowed, match="役割"):
        service.reassign(session, approve, staff["kantoku1"], staff["shinsa1"].staff_id, clock=clock)
    with db.transaction() as session, pytest.raises(SeparationOfDutiesViolation):
        service.reassign(session, approve, staff["kantoku1"], staff["shinsa2"].staff_id, clock=clock)
    with db.transaction() as session:
        service.reassign(session, approve, staff["shinsa2"], staff["kantoku1"].staff_id, clock=clock)
    assert ready_task(db, state).assignee_id == staff["kantoku1"].staff_id
    [event] = events(db, "reassign")
    assert event.data == {"previous_assignee_id": None, "assignee_id": staff["kantoku1"].staff_id}


def test_completing_a_task_twice_fails_cleanly(db, case, staff, clock):
    guid = case.ready_tasks[0]
    complete(db, guid, staff["madoguchi1"], {"received_on": "2026-11-26"}, clock)
    with pytest.raises(TaskAlreadyCompleted, match="既に"):
        complete(db, guid, staff["madoguchi2"], {"received_on": "2026-11-27"}, clock)
    assert len(events(db, "complete")) == 1


def test_a_screen_rendered_from_an_older_revision_is_refused(db, case, staff, clock):
    guid = case.ready_tasks[0]
    with db.transaction() as session:
        service.claim(session, guid, staff["madoguchi1"], clock=clock)
    with db.transaction() as session:
        session.get(ProcessInstance, case.instance_id).revision = case.revision + 1  # changed elsewhere
    with pytest.raises(Conflict, match="更新されました"):
        complete(db, guid, staff["madoguchi1"], {"received_on": "2026-11-26"}, clock, expected_revision=case.revision)
    assert events(db, "complete") == []


def test_task_form_is_read_without_deserializing(db, case):
    with db.transaction() as session:
        form = service.task_form(session, case.ready_tasks[0])
    assert form.form_key == "generic"
    assert [(f.name, f.label, f.type, f.required) for f in form.fields] == [
        ("received_on", "受付日", "date", True),
        ("copies", "部数", "number", False),
    ]
    assert form.milestone == "受付"


@pytest.mark.parametrize(
    ("data", "fragment"),
    [({"resident": object()}, "数値・文字列"), ({"blob": "x" * 5000}, "大きすぎます"), ({"_secret": 1}, "使えない名前")],
)
def test_start_data_must_be_small_plain_values(db, staff, clock, data, fragment):
    deploy_file(db, "review_loop.bpmn")
    with db.transaction() as session, pytest.raises(FormInvalid, match=fragment):
        service.start_case(session, "certificate", "review_loop", staff["madoguchi1"], data=data, clock=clock)
