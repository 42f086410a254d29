"""Plain-row access to the engine's tables on the hot path (Core statements, no ORM units).

A task completion is a handful of statements; going through the ORM unit of work for
each costs several times more than the statement itself, so the engine reads and writes
these rows with Core on the session's own connection (same transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from models.case import Case
from models.process import ProcessDefinition, ProcessInstance
from models.task import HumanTask, TaskEvent

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
    row = session.connection().execute(_INSTANCE_BY_ID, {"instance_id": instance_id}).one_or_none()
    return InstanceRow(*row) if row else None


def task_with_instance(session: Session, task_guid: str) -> tuple[TaskRow, InstanceRow] | None:
    row = session.connection().execute(_TASK_WITH_INSTANCE, {"guid": task_guid}).one_or_none()
    if row is None:
        return None
    split = len(INSTANCE_COLUMNS)
    return TaskRow(*row[split:]), InstanceRow(*row[:split])


def state_json(session: Session, instance_id: int) -> str:
    return session.connection().execute(_STATE_JSON, {"instance_id": instance_id}).scalar_one()


# Statements built once: constructing a statement costs more than running it on SQLite.
_TASK_WITH_INSTANCE = (
    instance_select().add_columns(*TASK_COLUMNS)
    .join(TASKS, TASKS.c.instance_id == INSTANCES.c.id)
    .where(TASKS.c.task_guid == bindparam("guid"))
)
_INSTANCE_BY_ID = instance_select().where(INSTANCES.c.id == bindparam("instance_id"))
_STATE_JSON = select(INSTANCES.c.state_json).where(INSTANCES.c.id == bindparam("instance_id"))
_SAVE_INSTANCE = update(INSTANCES).where(
    INSTANCES.c.id == bindparam("b_id"), INSTANCES.c.revision == bindparam("b_revision")
)
_UPDATE_TASK = update(TASKS).where(TASKS.c.id == bindparam("b_id"))
INSERT_TASKS = insert(TASKS)
INSERT_EVENTS = insert(TaskEvent.__table__)


def save_instance(session: Session, instance_id: int, revision: int, values: dict) -> bool:
    """UPDATE … WHERE id = ? AND revision = ?; False when another change got there first."""
    params = {"b_id": instance_id, "b_revision": revision, **values}
    return session.connection().execute(_SAVE_INSTANCE, params).rowcount == 1


def update_task(session: Session, task_id: int, values: dict) -> None:
    session.connection().execute(_UPDATE_TASK, {"b_id": task_id, **values})
