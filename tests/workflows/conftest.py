"""Fixtures for the workflow engine tests: staff with roles, a movable clock, deployments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from handlers import registry
from models import Department, Role, Staff, StaffRole
from workflows.definitions import deploy
from workflows.service import Actor

BPMN = Path(__file__).parent / "bpmn"


class MovableClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime(2026, 11, 26, 1, 0, tzinfo=UTC))


@pytest.fixture
def staff(db):
    """Five fictitious staff: two counter clerks, an examiner, a supervisor, an examiner+supervisor."""
    people = {
        "madoguchi1": [Role.COUNTER],
        "madoguchi2": [Role.COUNTER],
        "shinsa1": [Role.EXAMINER],
        "shinsa2": [Role.EXAMINER, Role.SUPERVISOR],
        "kantoku1": [Role.SUPERVISOR],
    }
    actors = {}
    with db.transaction() as session:
        department = Department(code="T01", name="試験課")
        session.add(department)
        session.flush()
        for login, roles in people.items():
            person = Staff(login_id=login, full_name=f"試験 {login}", department_id=department.id,
                           password_hash="unused")
            person.role_grants = [StaffRole(role=r) for r in roles]
            session.add(person)
            session.flush()
            actors[login] = Actor(person.id, frozenset(roles), terminal="127.0.0.1 pytest")
    return actors


def deploy_file(db, name: str, note: str = "試験") -> int:
    with db.transaction() as session:
        return deploy(session, (BPMN / name).read_bytes(), note=note).id


@pytest.fixture
def lookup_operator():
    calls: list[dict] = []
    failures: list[Exception] = []

    def lookup(context, case_id, label):
        calls.append({"case_id": case_id, "label": label})
        if failures:
            raise failures.pop(0)
        return {"found": True, "count": 2}

    registry.register("test/lookup", lookup, ["case_id", "label"], "試験用の照会")
    yield calls, failures
    registry.unregister("test/lookup")

