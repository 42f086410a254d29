"""Plain-row access to the engine's tables on the hot path (Core statements, no ORM units).

A task completion is a handful of statements; going through the ORM unit of work for
each costs several times more than the statement itself, so the engine reads and writes
these rows with Core on the session's own connection (same transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.case import Case
from models.process import ProcessDefinition, ProcessInstance
from models.task import HumanTask

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
    INSTANCES.c.error_count, INSTANCES.c.error_message, INSTANCES.c.created_at, DEFINITIONS.c.checksum,
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
    row = session.connection().execute(instance_select().where(INSTANCES.c.id == instance_id)).one_or_none()
    return InstanceRow(*row) if row else None


def task_with_instance(session: Session, task_guid: str) -> tuple[TaskRow, InstanceRow] | None:
    query = (
        instance_select().add_columns(*TASK_COLUMNS)
        .join(TASKS, TASKS.c.instance_id == INSTANCES.c.id)
        .where(TASKS.c.task_guid == task_guid)
    )
    row = session.connection().execute(query).one_or_none()
    if row is None:
        return None
    split = len(INSTANCE_COLUMNS)
    return TaskRow(*row[split:]), InstanceRow(*row[:split])


def state_json(session: Session, instance_id: int) -> str:
    return session.connection().execute(
        select(INSTANCES.c.state_json).where(INSTANCES.c.id == instance_id)
    ).scalar_one()
