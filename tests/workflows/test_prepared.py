"""Statements run on the driver's cursor store and read exactly what SQLAlchemy Core would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from models import CaseMilestone, TaskEvent
from tests.workflows.conftest import deploy_file
from workflows import service
from workflows.prepared import Prepared

EVENTS = TaskEvent.__table__
JST = timezone(timedelta(hours=9))


@pytest.fixture
def started(db, staff, clock) -> service.InstanceState:
    deploy_file(db, "review_loop.bpmn")
    with db.transaction() as session:
        return service.start_case(session, "relief", "review_loop", staff["madoguchi1"], clock=clock)


@pytest.fixture
def case_id(started) -> int:
    return started.case_id


def test_a_prepared_insert_stores_the_same_values_as_core(db, case_id):
    row = {"case_id": case_id, "instance_id": None, "action": "note", "actor_id": None,
           "at": datetime(2026, 11, 26, 18, 30, 15, 250000, tzinfo=JST), "task_guid": None, "bpmn_id": None,
           "terminal": "窓口 3番", "data": {"理由": "本人確認", "ids": [1, 2]}, "note": None}
    columns = tuple(row)
    with db.transaction() as session:
        session.execute(insert(EVENTS), [row | {"action": "core"}])
        Prepared(insert(EVENTS), keys=columns).execute_many(session, [row | {"action": "prepared"}])

    stored = select(EVENTS.c.at, EVENTS.c.data, EVENTS.c.note, EVENTS.c.terminal).where(
        EVENTS.c.action == bindparam("action"))
    with db.transaction() as session:
        by_core = session.execute(stored, {"action": "core"}).one()
        by_prepared = session.execute(stored, {"action": "prepared"}).one()
        read_back = Prepared(stored).first(session, {"action": "prepared"})
    assert tuple(by_prepared) == tuple(by_core)
    assert read_back == tuple(by_core)
    assert read_back[0] == datetime(2026, 11, 26, 9, 30, 15, 250000, tzinfo=UTC)  # aware, in UTC
    assert read_back[1] == {"理由": "本人確認", "ids": [1, 2]}


def test_a_guarded_update_reports_whether_it_changed_the_row(db, case_id):
    guarded = Prepared(
        update(EVENTS).where(EVENTS.c.case_id == bindparam("b_case"), EVENTS.c.action == "start"),
        keys=("note",),
    )
    with db.transaction() as session:
        session.execute(insert(EVENTS), [{"case_id": case_id, "action": "start", "at": datetime.now(UTC)}])
        assert guarded.execute(session, {"b_case": case_id, "note": "確認済み"}) >= 1
        assert guarded.execute(session, {"b_case": case_id + 1000, "note": "別の案件"}) == 0
    with db.transaction() as session:
        notes = set(session.scalars(select(EVENTS.c.note).where(EVENTS.c.action == "start")))
    assert notes == {"確認済み"}


def test_statements_that_cannot_be_prepared_are_refused_when_defined(db):
    with pytest.raises(ValueError, match="Python-side defaults"):
        Prepared(insert(EVENTS), keys=("case_id", "action"))  # `at` has a Python default
    in_list = Prepared(select(EVENTS.c.id).where(EVENTS.c.action.in_(bindparam("actions", expanding=True))))
    with db.transaction() as session, pytest.raises(ValueError, match="expanding"):
        in_list.first(session, {"actions": ["a"]})


def test_driver_errors_surface_as_sqlalchemy_errors_and_the_transaction_is_undone(db, started):
    milestone = {"case_id": started.case_id, "instance_id": started.instance_id, "task_guid": "same-task",
                 "bpmn_id": "review", "stage": "審査中", "reached_at": datetime.now(UTC)}
    add = Prepared(insert(CaseMilestone.__table__), keys=tuple(milestone))
    with pytest.raises(IntegrityError), db.transaction() as session:  # what callers already catch
        add.execute_many(session, [milestone])
        add.execute_many(session, [milestone | {"stage": "二度目"}])
    with db.transaction() as session:
        assert session.scalars(select(CaseMilestone.stage).where(CaseMilestone.task_guid == "same-task")).all() == []


def test_the_separation_lookup_reads_only_the_instances_tasks(db):
    """Not every task the person ever completed: the 二者確認 check must not slow down as a
    clerk's history grows (SQLite keeps no statistics to choose the index by)."""
    if db.dialect != "sqlite":
        pytest.skip("the plan is SQLite's; PostgreSQL chooses by its statistics")
    with db.transaction() as session:
        connection = session.connection()
        sql = service._TASKS_OF_INSTANCE._compiled(connection.dialect).sql
        plan = " ".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", (1,)))
    assert "ix_human_task_instance_id" in plan
