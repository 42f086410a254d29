"""Fixtures for the workflow engine tests: staff with roles, a movable clock, deployments."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from handlers import registry
from models import Role
from tests.auth_helpers import FakeClock
from tests.engine_actors import create_actors
from workflows.definitions import deploy

BPMN = Path(__file__).parent / "bpmn"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 26, 1, 0, tzinfo=UTC))


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
    return create_actors(db, people, "T01")


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

