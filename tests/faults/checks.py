"""What must hold after any fault: nothing lost, nothing done twice, nothing half-written,
and the access log's hash chain unbroken."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from models import hash_chain
from models.access_log import ACCESS_LOG_CHAIN
from models.case import Case
from models.process import ProcessInstance
from models.task import HumanTask, HumanTaskState, TaskEvent


def assert_consistent(db, case_ids: list[int]) -> None:
    with db.Session() as session:
        cases = session.scalars(select(Case.id).where(Case.id.in_(case_ids))).all()
        assert sorted(cases) == sorted(case_ids), "a case was lost"
        for case_id in case_ids:
            instances = session.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case_id)).all()
            assert len(instances) == 1, f"case {case_id} has {len(instances)} workflow instances"
            tasks = session.scalars(select(HumanTask).where(HumanTask.case_id == case_id)).all()
            per_step = Counter(t.bpmn_id for t in tasks if t.state != HumanTaskState.CANCELLED)
            assert all(n == 1 for n in per_step.values()), f"case {case_id}: a step appears twice {per_step}"
            for task in tasks:
                completed = task.state == HumanTaskState.COMPLETED
                assert completed == (task.completed_at is not None), f"half-written task {task.task_guid}"
            completions = Counter(
                e.task_guid for e in session.scalars(select(TaskEvent).where(TaskEvent.case_id == case_id))
                if e.action in ("complete", "completed")
            )
            assert all(n == 1 for n in completions.values()), f"case {case_id}: a task completed twice"
            done = {t.task_guid for t in tasks if t.state == HumanTaskState.COMPLETED}
            assert set(completions) == done, f"case {case_id}: history and inbox disagree"
        _checked, failure = hash_chain.verify(session, ACCESS_LOG_CHAIN)
        assert failure is None, failure.message
