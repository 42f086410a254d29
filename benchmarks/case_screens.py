"""Server-side cost of the 業務状況 figures and the 案件検索 queries on a large office.

    .venv/bin/python benchmarks/case_screens.py [--url DATABASE_URL] [--cases N] [--residents N]

Without --url it uses a new SQLite file in a temporary directory. A PostgreSQL URL must
name an empty database made for the purpose: the schema is created in it. Fills N cases
(six procedures, opened over the last 26 weeks; 75 % closed, 5 % cancelled, 1 % in error,
the rest open with one ready task each, due within 1–30 days of opening, so that about a
quarter of them are overdue) for M residents, then prints the median and 95th percentile
in milliseconds of each dashboard query and of typical phone-call searches.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import func, insert, select

from models import Case, Department, HumanTask, ProcessDefinition, ProcessInstance, Resident, Staff
from models.case import CaseStatus, Procedure
from models.db import Database
from web.cases.search import Criteria, case_query
from web.cli.db import alembic_config
from web.dashboard.figures import (
    oldest_open_cases,
    open_cases_by_stage,
    tasks_by_lane,
    weekly_counts,
)

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
STAGES = ["受付", "本人確認", "照会", "決裁", "交付"]
LANES = [("窓口職員", "counter"), ("監督者", "supervisor"), ("審査担当", "examiner")]
KANA = ["ヤマダ", "サトウ", "スズキ", "タカハシ", "タナカ", "ワタナベ", "イトウ", "ナカムラ", "コバヤシ", "カトウ"]
GIVEN = ["タロウ", "ハナコ", "イチロウ", "ユキ", "ケンジ", "アヤ", "ヒロシ", "メグミ"]
BATCH = 10_000


def fill(db: Database, cases: int, residents: int, rng: random.Random) -> None:
    with db.transaction() as session:
        department = Department(code="B01", name="計測課")
        session.add(department)
        session.flush()
        staff = Staff(login_id="bench", full_name="計測 太郎", department_id=department.id, password_hash="-")
        definition = ProcessDefinition(process_key="bench", version=1, bpmn_xml="<x/>", checksum="0" * 64)
        session.add_all([staff, definition])
        session.flush()
        staff_id, definition_id = staff.id, definition.id
    with db.engine.begin() as connection:
        for start in range(0, residents, BATCH):
            connection.execute(insert(Resident), [
                {"atena_no": f"{n:010d}", "family_name": "計測", "given_name": "太郎",
                 "family_name_kana": (kana := rng.choice(KANA)), "given_name_kana": (given := rng.choice(GIVEN)),
                 "name_kana": f"{kana}\u3000{given}", "birth_date": date(1940, 1, 1) + timedelta(days=rng.randrange(25_000)),
                 "sex": "1", "address": "計測市1番地", "status": "resident", "updated_at": NOW}
                for n in range(start + 1, min(start + BATCH, residents) + 1)
            ])
        procedures = list(Procedure)
        for start in range(0, cases, BATCH):
            ids = range(start + 1, min(start + BATCH, cases) + 1)
            case_rows, instance_rows, task_rows = [], [], []
            for n in ids:
                roll = rng.random()
                # Open cases are mostly recent; closed ones spread over the whole half year.
                span = 8 if roll >= 0.81 else 26
                opened = NOW - timedelta(minutes=rng.randrange(span * 7 * 24 * 60))
                status = CaseStatus.CLOSED if roll < 0.75 else CaseStatus.CANCELLED if roll < 0.80 else \
                    CaseStatus.ERROR if roll < 0.81 else CaseStatus.OPEN
                closed = opened + timedelta(days=rng.randrange(1, 20)) if status in ("closed", "cancelled") else None
                procedure = procedures[n % len(procedures)]
                case_rows.append({"id": n, "case_no": f"R8-{procedure.code}-{n:06d}", "procedure": procedure,
                                  "resident_id": rng.randrange(1, residents + 1), "status": status,
                                  "stage": rng.choice(STAGES), "opened_by_id": staff_id, "opened_at": opened,
                                  "closed_at": closed if closed is None or closed < NOW else NOW})
                instance_rows.append({"id": n, "case_id": n, "definition_id": definition_id, "status": "running",
                                      "state_json": "{}", "serializer_version": "", "revision": 1,
                                      "error_count": 0, "created_at": opened, "updated_at": opened})
                if status == CaseStatus.OPEN:
                    lane, role = rng.choice(LANES)
                    task_rows.append({"task_guid": f"{n:036d}", "instance_id": n, "case_id": n, "bpmn_id": "t",
                                      "name": "確認", "lane": lane, "role": role, "state": "ready",
                                      "assignee_id": staff_id if rng.random() < 0.4 else None,
                                      "due_at": opened + timedelta(days=rng.randrange(1, 31)), "created_at": opened})
            connection.execute(insert(Case), case_rows)
            connection.execute(insert(ProcessInstance), instance_rows)
            if task_rows:
                connection.execute(insert(HumanTask), task_rows)


def measure(db: Database, label: str, work: Callable, runs: int) -> None:
    timings = []
    for _ in range(runs):
        with db.Session() as session:
            started = time.perf_counter()
            work(session)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    print(f"  {label:<44} median {statistics.median(timings):7.1f} ms   p95 {p95:7.1f} ms")


def search_page(criteria: Criteria) -> Callable:
    def run(session) -> None:
        query = case_query(criteria)
        session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        session.execute(query.limit(50)).all()

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    db = Database(url)
    with db.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    started = time.perf_counter()
    fill(db, args.cases, args.residents, random.Random(1))
    if db.dialect == "postgresql":
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    print(f"database: {db.dialect}; {args.cases} cases, {args.residents} residents "
          f"filled in {time.perf_counter() - started:.0f} s")
    print("業務状況:")
    measure(db, "open cases per procedure and stage", lambda s: open_cases_by_stage(s, NOW), args.runs)
    measure(db, "ready tasks per lane", lambda s: tasks_by_lane(s, NOW), args.runs)
    measure(db, "opened / closed per week (12 weeks)", lambda s: weekly_counts(s, NOW), args.runs)
    measure(db, "oldest open cases", lambda s: oldest_open_cases(s, NOW), args.runs)
    print("案件検索 (count + first page of 50):")
    measure(db, "full 案件番号", search_page(Criteria(case_no="R8-CERT-000121")), args.runs)
    measure(db, "part of the 案件番号 (serial)", search_page(Criteria(case_no="12345")), args.runs)
    measure(db, "カナ氏名 + 生年月日", search_page(Criteria(kana="ヤマダ\u3000タロウ", birth_date=date(1970, 5, 1))),
            args.runs)
    measure(db, "宛名番号", search_page(Criteria(atena_no="0000004242")), args.runs)
    measure(db, "手続 + 状態 (open certificate cases)",
            search_page(Criteria(procedure="certificate", status="open")), args.runs)
    db.dispose()


if __name__ == "__main__":
    main()
