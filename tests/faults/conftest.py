"""Fault tests: real gunicorn and workflow-worker processes on 127.0.0.1 against a PostgreSQL
database of their own, killed and restarted on purpose.

They run only with SESSHU_FAULT_TESTS=1 (`.ci/run` sets it for its PostgreSQL pass):
    SESSHU_FAULT_TESTS=1 .venv/bin/python -m pytest tests/faults
Restarting the PostgreSQL server needs SESSHU_FAULT_RESTART_POSTGRES=1 as well, since it
breaks every other client of that server.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from benchmarks import stack
from models.staff import Role, Staff
from tests.faults import slow_step
from web import create_app
from workflows.definitions import deploy
from workflows.service import Actor

FAULT_URL = os.environ.get("SESSHU_FAULT_DATABASE_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/sesshu_fault")
HERE = Path(__file__).parent
PORT = 5450


def pytest_collection_modifyitems(config, items):
    if os.environ.get("SESSHU_FAULT_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="障害試験は SESSHU_FAULT_TESTS=1 のときだけ実行します")
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(skip)


@dataclass
class Office:
    env: dict[str, str]
    app: object
    db: object
    marker: Path
    clerk: stack.Clerk
    actor: Actor
    log_dir: Path

    def marks(self, word: str, case_id: int) -> list[int]:
        """The pids that wrote `word` for the case into the slow step's marker file."""
        if not self.marker.exists():
            return []
        return [int(pid) for w, case, pid in (line.split() for line in self.marker.read_text().splitlines())
                if w == word and int(case) == case_id]

    def stack(self, **options) -> stack.Stack:
        return stack.Stack(self.env, PORT, log_dir=self.log_dir, wsgi_app="tests.faults.fault_wsgi:app",
                           worker_command=("python", "-m", "tests.faults.fault_worker"), **options)


@pytest.fixture(scope="session")
def office(tmp_path_factory: pytest.TempPathFactory):
    """One prepared database for all fault tests (each test works on cases of its own)."""
    tmp_path = tmp_path_factory.mktemp("faults")
    instance = tmp_path / "instance"
    instance.mkdir()
    env = stack.prepare(FAULT_URL, instance, residents=20)
    marker = tmp_path / "slow_step.log"
    env["SESSHU_FAULT_MARKER"] = str(marker)
    os.environ["SESSHU_FAULT_MARKER"] = str(marker)
    clerk = stack.seed_clerks_and_cases(env, 1, 0)[0]
    app = create_app(env)
    db = app.extensions["sesshu_db"]
    slow_step.register()
    with db.transaction() as session:
        # Named .bpmn.xml: the slow operator exists only in these tests, so the checks that
        # validate every shipped and test .bpmn file must not see them.
        for name in ("fault_web.bpmn.xml", "fault_timer.bpmn.xml"):
            deploy(session, (HERE / name).read_bytes(), note="障害試験")
        staff = session.scalars(select(Staff).where(Staff.login_id == clerk.login_id)).one()
        actor = Actor(staff.id, frozenset({Role.COUNTER}), "127.0.0.1 fault-test")
    yield Office(env, app, db, marker, clerk, actor, tmp_path)
    db.dispose()
    os.environ.pop("SESSHU_FAULT_MARKER", None)
