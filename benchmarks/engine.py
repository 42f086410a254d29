"""Engine cost per user-task completion: raw SpiffWorkflow in memory vs Sesshu with persistence.

    .venv/bin/python benchmarks/engine.py [--runs N] [--url postgresql+psycopg://…/sesshu_bench_engine]

(a)  raw SpiffWorkflow: parse once, run a process from start to end in memory with the
     default engine: find the ready task, update its data, run it, do_engine_steps.
(b)  Sesshu: the same process through workflows/ on a fresh SQLite file (or, with --url, a
     recreated PostgreSQL database, for the production figure), each completion
     its own transaction (form validation, role and separation checks, restricted
     expressions, serialized state, revision bump, inbox index rows, history rows).
(b') the same with the workflow cache emptied before every completion (a request that
     finds the case changed by another process since this one last saw it).
Runs of (a) and (b) alternate so that load from other processes hits both alike. Prints
median milliseconds per completion, the ratio, where Sesshu's time goes, and the size of
the stored state of a finished case, for two processes:

- the certificate stand-in (benchmarks/certificate_standin.bpmn): 10 user tasks with
  generic forms, 2 gateways, 2 script tasks, a separation-of-duties check;
- the reference workload of the performance notes (benchmarks/twenty_steps.bpmn):
  10 script tasks and 10 user tasks in turn.
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
os.environ.setdefault("SESSHU_SANDBOX_WORKERS", "1")

from alembic import command  # noqa: E402
from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402
from sqlalchemy import select  # noqa: E402

from benchmarks.stack import recreate  # noqa: E402
from models import Department, HumanTask, ProcessDefinition, ProcessInstance, Role, Staff, StaffRole  # noqa: E402
from models.db import Database  # noqa: E402
from web.cli.db import alembic_config  # noqa: E402
from workflows import runtime, service  # noqa: E402
from workflows.cache import CACHE  # noqa: E402
from workflows.definitions import deploy  # noqa: E402

CERTIFICATE = ROOT / "benchmarks" / "certificate_standin.bpmn"
TWENTY = ROOT / "benchmarks" / "twenty_steps.bpmn"
FORMS = {  # what a screen submits
    "t01": {"copies": "2", "purpose": "overseas"}, "t02": {"id_checked": "y"}, "t03": {"found": "yes"},
    "t04": {"doses": "3"}, "t05": {"issued_on": "2026-11-26"}, "t06": {"approved": "y"},
    "t07": {"printed": "y"}, "t08": {"note": "窓口で交付"}, "t09": {"handed_over": "y"},
    "t10": {"receipt_no": "A-0001"},
}
RAW_FORMS = {  # the same values, already converted, for the raw engine
    "t01": {"copies": 2, "purpose": "overseas"}, "t02": {"id_checked": True}, "t03": {"found": "yes"},
    "t04": {"doses": 3}, "t05": {"issued_on": "2026-11-26"}, "t06": {"approved": True},
    "t07": {"printed": True}, "t08": {"note": "窓口で交付"}, "t09": {"handed_over": True},
    "t10": {"receipt_no": "A-0001"},
}
for step in range(2, 21, 2):  # the reference workload's user tasks
    FORMS[f"t{step:02d}"] = FORMS.get(f"t{step:02d}", {}) | {"checked": "y", "remark": "確認済み", "count": "3"}
    RAW_FORMS[f"t{step:02d}"] = RAW_FORMS.get(f"t{step:02d}", {}) | {"checked": True, "remark": "確認済み", "count": 3}


class Workload:
    def __init__(self, path: Path, key: str, start_data: dict, supervisor_tasks: set[str]) -> None:
        self.path, self.key, self.start_data, self.supervisor_tasks = path, key, start_data, supervisor_tasks


WORKLOADS = (
    ("certificate stand-in: 10 user tasks, 2 gateways, 2 scripts",
     Workload(CERTIFICATE, "certificate_standin", {}, {"t06"})),
    ("reference workload: 10 script tasks + 10 user tasks",
     Workload(TWENTY, "twenty_steps", {"rework_count": 0, "max_rework": 0}, {"t02", "t06", "t10", "t14", "t18"})),
)


class Raw:
    def __init__(self, workload: Workload) -> None:
        parser = SpiffBpmnParser()
        parser.add_bpmn_file(str(workload.path))
        self.spec = parser.get_spec(workload.key)
        self.workload = workload

    def run_case(self) -> list[float]:
        timings = []
        workflow = BpmnWorkflow(self.spec)
        workflow.get_tasks(state=TaskState.READY)[0].data.update(self.workload.start_data)
        workflow.do_engine_steps()
        while not workflow.is_completed():
            started = time.perf_counter()
            task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
            task.data.update(RAW_FORMS[task.task_spec.bpmn_id])
            task.run()
            workflow.do_engine_steps()
            timings.append(time.perf_counter() - started)
        return timings


class Sesshu:
    def __init__(self, workload: Workload, url: str | None) -> None:
        self.workload = workload
        if url:
            recreate(url)
        self.database = Database(url or f"sqlite:///{tempfile.mkdtemp(prefix='sesshu-bench-')}/bench.db")
        with self.database.engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
        with self.database.transaction() as session:
            department = Department(code="B01", name="計測課")
            session.add(department)
            session.flush()
            self.actors = {}
            for login, role in (("clerk", Role.COUNTER), ("chief", Role.SUPERVISOR)):
                person = Staff(login_id=login, full_name=login, department_id=department.id, password_hash="-")
                person.role_grants = [StaffRole(role=role)]
                session.add(person)
                session.flush()
                self.actors[role] = service.Actor(person.id, frozenset({role}), "benchmark")
            deploy(session, workload.path.read_bytes(), note="計測")
            self.spec_size = len(session.scalars(select(ProcessDefinition)).one().spec_json)
        self.moment = datetime(2026, 11, 26, tzinfo=UTC)
        self.state_size = 0

    def clock(self) -> datetime:
        self.moment += timedelta(seconds=1)
        return self.moment

    def run_case(self, *, cold: bool) -> list[float]:
        timings = []
        with self.database.transaction() as session:
            state = service.start_case(session, "certificate", self.workload.key, self.actors[Role.COUNTER],
                                       data=self.workload.start_data, clock=self.clock)
        while state.ready_tasks:
            guid = state.ready_tasks[0]
            with self.database.transaction() as session:  # what an inbox screen reads
                bpmn_id = session.scalars(select(HumanTask.bpmn_id).where(HumanTask.task_guid == guid)).one()
            actor = self.actors[Role.SUPERVISOR if bpmn_id in self.workload.supervisor_tasks else Role.COUNTER]
            if cold:
                CACHE.clear()
            started = time.perf_counter()
            with self.database.transaction() as session:
                state = service.complete_task(session, guid, actor, FORMS[bpmn_id], clock=self.clock)
            timings.append(time.perf_counter() - started)
        assert state.status == "completed", state
        with self.database.transaction() as session:
            self.state_size = len(session.get(ProcessInstance, state.instance_id).state_json)
        return timings


class Split:
    """Records the time spent in each call of selected functions of workflows.runtime."""

    def __init__(self, *names: str) -> None:
        self.calls: dict[str, list[float]] = {name: [] for name in names}
        self.originals = {name: getattr(runtime, name) for name in names}
        for name in names:
            setattr(runtime, name, self._timed(name, self.originals[name]))

    def restore(self) -> None:
        for name, function in self.originals.items():
            setattr(runtime, name, function)

    def _timed(self, name, function):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.calls[name].append(time.perf_counter() - started)

        return timed

    def median_ms(self, name: str) -> float:
        return statistics.median(self.calls[name]) * 1000


def measure(title: str, workload: Workload, runs: int, url: str | None) -> None:
    raw, sesshu = Raw(workload), Sesshu(workload, url)
    where = "PostgreSQL" if url else "SQLite"
    for _ in range(3):  # warm-up: sandbox worker, caches, SQLite pages
        raw.run_case()
        sesshu.run_case(cold=False)
    split = Split("advance", "dump_instance")
    raw_times, warm_times, cold_times = [], [], []
    for _ in range(runs):
        raw_times += raw.run_case()
        warm_times += sesshu.run_case(cold=False)
    engine_ms, dump_ms = split.median_ms("advance"), split.median_ms("dump_instance")
    split.restore()
    for _ in range(max(runs // 3, 5)):
        cold_times += sesshu.run_case(cold=True)

    a = statistics.median(raw_times) * 1000
    b = statistics.median(warm_times) * 1000
    b_cold = statistics.median(cold_times) * 1000
    print(f"{title}; {runs} cases, median per user-task completion")
    print(f"  (a)  raw SpiffWorkflow in memory           {a:7.3f} ms")
    print(f"  (b)  Sesshu, {where + ',':11s} each completion committed {b:7.3f} ms   b/a = {b / a:4.1f}x  (target <= 3x)")
    print(f"  (b') Sesshu, workflow cache emptied        {b_cold:7.3f} ms   b'/a = {b_cold / a:4.1f}x")
    print(f"       medians inside (b): engine step incl. restricted expressions {engine_ms:.3f} ms, "
          f"serialization {dump_ms:.3f} ms; checks, database and commit ~{b - engine_ms - dump_ms:.3f} ms")
    print(f"  serialized state of a finished case: {sesshu.state_size / 1024:.1f} KB (target < 30 KB); "
          f"spec stored once per version: {sesshu.spec_size / 1024:.1f} KB")
    sesshu.database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30, help="cases per loop (10 completions each)")
    parser.add_argument("--url", help="a PostgreSQL database to recreate and use instead of SQLite")
    args = parser.parse_args()
    for title, workload in WORKLOADS:
        measure(title, workload, args.runs, args.url)


if __name__ == "__main__":
    main()
