"""Plain-row access to the engine's tables on the hot path (prepared statements, no ORM units).

A task completion is a handful of statements; going through the ORM unit of work for
each costs several times more than the statement itself, so the engine reads and writes
these rows with statements prepared once (workflows/prepared.py) on the session's own
connection, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from models.case import Case
from models.process import ProcessDefinition, ProcessInstance
from models.task import HumanTask, TaskEvent
from workflows.prepared import Prepared

INSTANCES = ProcessInstance.__table__
DEFINITIONS = ProcessDefinition.__table__
CASES = Case.__table__
TASKS = HumanTask.__table__


@dataclass
class InstanceRow:
    id: int
    case_id: int
    definition_id: int
    status: str
    revision: int
    error_count: int
    error_message: str | None
    created_at: datetime
    state_token: str | None
    checksum: str
    case_no: str


@dataclass(frozen=True)
class TaskRow:
    id: int
    task_guid: str
    instance_id: int
    case_id: int
    bpmn_id: str
    name: str
    role: str
    state: str
    assignee_id: int | None


INSTANCE_COLUMNS = (
    INSTANCES.c.id, INSTANCES.c.case_id, INSTANCES.c.definition_id, INSTANCES.c.status, INSTANCES.c.revision,
    INSTANCES.c.error_count, INSTANCES.c.error_message, INSTANCES.c.created_at, INSTANCES.c.state_token,
    DEFINITIONS.c.checksum,
    CASES.c.case_no,
)
TASK_COLUMNS = (
    TASKS.c.id, TASKS.c.task_guid, TASKS.c.instance_id, TASKS.c.case_id, TASKS.c.bpmn_id, TASKS.c.name,
    TASKS.c.role, TASKS.c.state, TASKS.c.assignee_id,
)


def instance_select():
    return (
        select(*INSTANCE_COLUMNS)
        .select_from(INSTANCES)
        .join(DEFINITIONS, DEFINITIONS.c.id == INSTANCES.c.definition_id)
        .join(CASES, CASES.c.id == INSTANCES.c.case_id)
    )


def instance_by_id(session: Session, instance_id: int) -> InstanceRow | None:
    row = _INSTANCE_BY_ID.first(session, {"instance_id": instance_id})
    return InstanceRow(*row) if row else None


def task_with_instance(session: Session, task_guid: str) -> tuple[TaskRow, InstanceRow] | None:
    row = _TASK_WITH_INSTANCE.first(session, {"guid": task_guid})
    if row is None:
        return None
    split = len(INSTANCE_COLUMNS)
    return TaskRow(*row[split:]), InstanceRow(*row[:split])


def state_json(session: Session, instance_id: int) -> str:
    return _STATE_JSON.first(session, {"instance_id": instance_id})[0]


_TASK_WITH_INSTANCE = Prepared(
    instance_select().add_columns(*TASK_COLUMNS)
    .join(TASKS, TASKS.c.instance_id == INSTANCES.c.id)
    .where(TASKS.c.task_guid == bindparam("guid"))
)
_INSTANCE_BY_ID = Prepared(instance_select().where(INSTANCES.c.id == bindparam("instance_id")))
_STATE_JSON = Prepared(select(INSTANCES.c.state_json).where(INSTANCES.c.id == bindparam("instance_id")))
_SAVED_INSTANCE_COLUMNS = (
    "state_json", "serializer_version", "revision", "state_token", "status", "next_timer_at", "error_message",
    "error_count", "next_retry_at", "updated_at",
)
_SAVE_INSTANCE = Prepared(
    update(INSTANCES).where(INSTANCES.c.id == bindparam("b_id"), INSTANCES.c.revision == bindparam("b_revision")),
    keys=_SAVED_INSTANCE_COLUMNS,
)
TASK_ROW_COLUMNS = (
    "task_guid", "instance_id", "case_id", "bpmn_id", "name", "lane", "role", "form_key", "state", "assignee_id",
    "claimed_at", "due_at", "created_at", "completed_by_id", "completed_at",
)
EVENT_COLUMNS = (
    "case_id", "instance_id", "action", "actor_id", "at", "task_guid", "bpmn_id", "terminal", "data", "note",
)
_INSERT_TASKS = Prepared(insert(TASKS), keys=TASK_ROW_COLUMNS)
_INSERT_EVENTS = Prepared(insert(TaskEvent.__table__), keys=EVENT_COLUMNS)


def save_instance(session: Session, instance_id: int, revision: int, values: dict) -> bool:
    """UPDATE … WHERE id = ? AND revision = ?; False when another change got there first."""
    return _SAVE_INSTANCE.execute(session, {"b_id": instance_id, "b_revision": revision, **values}) == 1


def update_task(session: Session, task_id: int, values: dict) -> None:
    _update_by_id(session, TASKS, task_id, values)


def update_case(session: Session, case_id: int, values: dict) -> None:
    _update_by_id(session, CASES, case_id, values)


_UPDATES_BY_ID: dict[tuple[str, tuple[str, ...]], Prepared] = {}


def _update_by_id(session: Session, table, row_id: int, values: dict) -> None:
    key = (table.name, tuple(sorted(values)))
    statement = _UPDATES_BY_ID.get(key)
    if statement is None:
        statement = _UPDATES_BY_ID[key] = Prepared(update(table).where(table.c.id == bindparam("b_id")), keys=key[1])
    statement.execute(session, {"b_id": row_id, **values})


def insert_tasks(session: Session, task_rows: list[dict]) -> None:
    """New human-task rows, each with every column of TASK_ROW_COLUMNS."""
    _INSERT_TASKS.execute_many(session, task_rows)


def insert_events(session: Session, events: list[dict]) -> None:
    """History rows, each with every column of EVENT_COLUMNS."""
    _INSERT_EVENTS.execute_many(session, events)
