"""Engine cost per user-task completion: raw SpiffWorkflow in memory vs Sesshu with persistence.

    .venv/bin/python benchmarks/engine.py [--runs N]

(a) raw SpiffWorkflow: parse once, run the certificate stand-in (10 user tasks) from start
    to end in memory N times with the default engine: find the ready task, update its
    data, run it, do_engine_steps.
(b) Sesshu: the same process through workflows/ on a fresh SQLite file, each completion
    its own transaction (form validation, role and separation checks, restricted scripts
    in the sandbox pool, serialized state, revision bump, inbox index, history).
(b') the same with the workflow cache emptied before every completion (what a request costs
    when another process changed the case since this one last saw it).
Prints median milliseconds per completion, the ratios, and the stored state size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402
from sqlalchemy import select  # noqa: E402

BPMN = ROOT / "benchmarks" / "certificate_standin.bpmn"
FORMS = {
    "t01": {"copies": "2", "purpose": "overseas"},
    "t02": {"id_checked": "y"},
    "t03": {"found": "yes"},
    "t04": {"doses": "3"},
    "t05": {"issued_on": "2026-11-26"},
    "t06": {"approved": "y"},
    "t07": {"printed": "y"},
    "t08": {"note": "窓口で交付"},
    "t09": {"handed_over": "y"},
    "t10": {"receipt_no": "A-0001"},
}
# What the raw engine receives: the converted values Sesshu would store.
RAW_FORMS = {
    "t01": {"copies": 2, "purpose": "overseas"}, "t02": {"id_checked": True}, "t03": {"found": "yes"},
    "t04": {"doses": 3}, "t05": {"issued_on": "2026-11-26"}, "t06": {"approved": True},
    "t07": {"printed": True}, "t08": {"note": "窓口で交付"}, "t09": {"handed_over": True},
    "t10": {"receipt_no": "A-0001"},
}


def raw(runs: int) -> list[float]:
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(BPMN))
    spec = parser.get_spec("certificate_standin")
    timings = []
    for _ in range(runs):
        workflow = BpmnWorkflow(spec)
        workflow.do_engine_steps()
        while not workflow.is_completed():
            started = time.perf_counter()
            task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
            task.data.update(RAW_FORMS[task.task_spec.bpmn_id])
            task.run()
            workflow.do_engine_steps()
            timings.append(time.perf_counter() - started)
    return timings


def sesshu(runs: int, *, cold: bool) -> tuple[list[float], int, int]:
    from models import (
        Department,
        HumanTask,
        ProcessDefinition,
        ProcessInstance,
        Role,
        Staff,
        StaffRole,
    )
    from models.db import Database
    from web.cli.db import alembic_config
    from workflows import service
    from workflows.cache import CACHE
    from workflows.definitions import deploy

    directory = tempfile.mkdtemp(prefix="sesshu-bench-")
    database = Database(f"sqlite:///{directory}/bench.db")
    from alembic import command

    with database.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    with database.transaction() as session:
        department = Department(code="B01", name="計測課")
        session.add(department)
        session.flush()
        actors = {}
        for login, role in (("clerk", Role.COUNTER), ("chief", Role.SUPERVISOR)):
            person = Staff(login_id=login, full_name=login, department_id=department.id, password_hash="-")
            person.role_grants = [StaffRole(role=role)]
            session.add(person)
            session.flush()
            actors[role] = service.Actor(person.id, frozenset({role}), "benchmark")
        deploy(session, BPMN.read_bytes(), note="計測")
        spec_size = len(session.scalars(select(ProcessDefinition)).one().spec_json)

    moment = [datetime(2026, 11, 26, tzinfo=UTC)]

    def clock() -> datetime:
        moment[0] += timedelta(seconds=1)
        return moment[0]

    timings = []
    state_size = 0
    for _ in range(runs):
        with database.transaction() as session:
            state = service.start_case(session, "certificate", "certificate_standin", actors[Role.COUNTER], clock=clock)
        while state.ready_tasks:
            guid = state.ready_tasks[0]
            with database.transaction() as session:  # what an inbox screen reads
                bpmn_id = session.scalars(select(HumanTask.bpmn_id).where(HumanTask.task_guid == guid)).one()
            actor = actors[Role.SUPERVISOR] if bpmn_id == "t06" else actors[Role.COUNTER]
            if cold:
                CACHE.clear()
            started = time.perf_counter()
            with database.transaction() as session:
                state = service.complete_task(session, guid, actor, FORMS[bpmn_id], clock=clock)
            timings.append(time.perf_counter() - started)
        assert state.status == "completed", state
        with database.transaction() as session:
            state_size = len(session.get(ProcessInstance, state.instance_id).state_json)
    database.dispose()
    return timings, state_size, spec_size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    os.environ.setdefault("SESSHU_SANDBOX_WORKERS", "1")

    raw(3)  # warm-up
    a = statistics.median(raw(args.runs)) * 1000
    sesshu(2, cold=False)  # warm-up: sandbox worker, caches
    timings, state_size, spec_size = sesshu(args.runs, cold=False)
    b = statistics.median(timings) * 1000
    cold_timings, _, _ = sesshu(max(args.runs // 3, 5), cold=True)
    b_cold = statistics.median(cold_timings) * 1000

    print(f"certificate stand-in: 10 user tasks, {args.runs} runs, median per user-task completion")
    print(f"(a)  raw SpiffWorkflow in memory          {a:7.3f} ms")
    print(f"(b)  Sesshu, SQLite, one transaction each {b:7.3f} ms   b/a = {b / a:4.1f}x  (target <= 3x)")
    print(f"(b') Sesshu, workflow cache emptied       {b_cold:7.3f} ms   b'/a = {b_cold / a:4.1f}x")
    print(f"serialized state of a finished case: {state_size / 1024:.1f} KB (target < 30 KB); "
          f"spec stored once per version: {spec_size / 1024:.1f} KB")


if __name__ == "__main__":
    main()
