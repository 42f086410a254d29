"""Loading, advancing and storing one process instance (internal to workflows/).

Every change goes through `persist`: the serialized state with a revision bump
(UPDATE … WHERE id = ? AND revision = ?), the human-task index, message routes, timer
due time and the case's status, all in the caller's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.specs.defaults import UserTask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from handlers.registry import HandlerContext
from models.case import Case, CaseStatus
from models.message import MessageRoute
from models.process import InstanceStatus, ProcessInstance
from models.staff import Role
from models.task import HumanTask, HumanTaskState, TaskEvent
from workflows.cache import CACHE
from workflows.definitions import SPECS
from workflows.errors import Conflict
from workflows.roles import role_for_lane
from workflows.sandbox import ScriptError
from workflows.spiff import SERIALIZER_VERSION, Clock, clock_in_effect, dump_instance, load_instance
from workflows.taskprops import TaskProperties, due_after

log = logging.getLogger(__name__)

# SpiffWorkflow stops seeing tasks nested deeper than 1000 levels (each pass through a
# back-edge loop adds levels) and would then claim the instance is complete. Sesshu stops
# well before that and puts the instance into the error state instead.
MAX_TASK_DEPTH = 500
TIMER_EVENTS = ("DurationTimerEventDefinition", "TimeDateEventDefinition", "CycleTimerEventDefinition")
MESSAGE_EVENT = "MessageEventDefinition"


def cache_key(instance: ProcessInstance) -> tuple[int, datetime | None]:
    return (instance.id, instance.created_at)


def find_task_spec(spec, subprocess_specs: dict, bpmn_id: str):
    for candidate in (spec, *subprocess_specs.values()):
        for task_spec in candidate.task_specs.values():
            if task_spec.bpmn_id == bpmn_id:
                return task_spec
    return None


def load(instance: ProcessInstance) -> BpmnWorkflow:
    workflow = CACHE.take(cache_key(instance), instance.revision)
    if workflow is None:
        spec, subprocess_specs = SPECS.get(instance.definition)
        workflow = load_instance(instance.state_json, spec, subprocess_specs)
    return workflow


def task_of(workflow: BpmnWorkflow, guid: str):
    try:
        return workflow.get_task_from_id(UUID(guid))
    except (ValueError, KeyError):
        return None


@dataclass
class StepOutcome:
    error: str | None = None


def advance(
    session: Session,
    instance: ProcessInstance,
    workflow: BpmnWorkflow,
    clock: Clock,
    action: Callable[[], Any] | None = None,
) -> StepOutcome:
    """Run `action` (e.g. completing a task), then every engine step until the instance waits.

    A failing script, handler or expression leaves the instance in a visible error state
    instead of raising: the case is never lost.
    """
    engine = workflow.script_engine
    engine.handler_context = HandlerContext(session, instance.case_id, instance.id, clock())
    try:
        with clock_in_effect(clock):
            if action is not None:
                action()
            workflow.refresh_timers()
            workflow.do_engine_steps()
    except (SpiffWorkflowException, ScriptError) as exc:
        return StepOutcome(error=_describe(exc))
    except Exception as exc:  # a bug must not lose the case either; it is logged in full
        log.exception("workflow step failed for instance %s", instance.id)
        return StepOutcome(error=f"処理中に予期しないエラーが発生しました（{type(exc).__name__}: {exc}）")
    finally:
        engine.handler_context = None
    depth = deepest_open_task(workflow)
    if depth > MAX_TASK_DEPTH:
        return StepOutcome(
            error=f"繰り返し（ループ）が多すぎるため停止しました（タスクの深さ {depth}、上限 {MAX_TASK_DEPTH}）。"
            "案件を確認し、必要なら取り消して新しく開始してください。"
        )
    return StepOutcome()


def _describe(exc: Exception) -> str:
    task = getattr(exc, "task", None)
    where = f"「{task.task_spec.bpmn_name or task.task_spec.bpmn_id}」で" if task is not None else ""
    cause = exc.__cause__ or exc.__context__
    if isinstance(exc, ScriptError) or isinstance(cause, ScriptError):
        message = str(exc if isinstance(exc, ScriptError) else cause)
    else:
        message = str(exc.args[0]) if exc.args else str(exc)
        message = message.removeprefix("ScriptError:")
    return f"{where}エラーが発生しました: {message}"


def deepest_open_task(workflow: BpmnWorkflow) -> int:
    open_tasks = workflow.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED)
    return max((task.depth for task in open_tasks), default=0)


def next_timer_at(workflow: BpmnWorkflow) -> datetime | None:
    due = []
    for pending in workflow.waiting_events():
        if pending.event_type in TIMER_EVENTS and isinstance(pending.value, str):
            moment = datetime.fromisoformat(pending.value)
            due.append(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return min(due, default=None)


def waiting_messages(workflow: BpmnWorkflow) -> set[str]:
    return {p.name for p in workflow.waiting_events() if p.event_type == MESSAGE_EVENT}


def persist(
    session: Session,
    instance: ProcessInstance,
    workflow: BpmnWorkflow,
    outcome: StepOutcome,
    now: datetime,
    *,
    after_lock: Callable[[], None] | None = None,
) -> None:
    """Store the instance and everything derived from it, or raise Conflict."""
    completed = outcome.error is None and workflow.is_completed()
    if outcome.error:
        status = InstanceStatus.ERROR
    else:
        status = InstanceStatus.COMPLETED if completed else InstanceStatus.RUNNING
    values: dict[str, Any] = {
        "state_json": dump_instance(workflow),
        "serializer_version": SERIALIZER_VERSION,
        "revision": instance.revision + 1,
        "status": status,
        "next_timer_at": None if completed or outcome.error else next_timer_at(workflow),
        "error_message": outcome.error,
        "updated_at": now,
    }
    if outcome.error:
        values["error_count"] = instance.error_count + 1
        values["next_retry_at"] = now + retry_delay(instance.error_count + 1)
    else:
        values["error_count"] = 0
        values["next_retry_at"] = None
    result = session.execute(
        update(ProcessInstance)
        .where(ProcessInstance.id == instance.id, ProcessInstance.revision == instance.revision)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("この案件は直前に他の職員または処理によって更新されました。画面を開き直してください。")
    for name, value in values.items():
        set_committed_value(instance, name, value)
    if after_lock is not None:
        after_lock()
    case = session.get(Case, instance.case_id)
    sync_human_tasks(session, instance, workflow, case, now)
    sync_message_routes(session, instance, workflow, case)
    if outcome.error:
        case.status = CaseStatus.ERROR
        event(session, instance, "error", None, now, note=outcome.error)
    elif completed:
        case.status = CaseStatus.CLOSED
        case.closed_at = now
        event(session, instance, "instance_completed", None, now)
    else:
        case.status = CaseStatus.OPEN
    session.flush()
    CACHE.put_after_commit(session, cache_key(instance), instance.revision, workflow)


def retry_delay(attempt: int):
    from datetime import timedelta

    return timedelta(minutes=min(2 ** (attempt - 1), 60))


def sync_human_tasks(
    session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, case: Case, now: datetime
) -> None:
    ready = {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    rows = session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.state == HumanTaskState.READY)
    ).all()
    known = {row.task_guid for row in rows}
    for row in rows:
        if row.task_guid not in ready:
            row.state = HumanTaskState.CANCELLED
            row.completed_at = now
            event(session, instance, "cancelled", None, now, task_guid=row.task_guid, bpmn_id=row.bpmn_id,
                  note="境界イベントなどにより作業が取り消されました")
    for guid, task in ready.items():
        if guid in known:
            continue
        spec = task.task_spec
        props = TaskProperties.of(spec)
        role = role_for_lane(spec.lane) or Role.SUPERVISOR
        session.add(
            HumanTask(
                task_guid=guid,
                instance_id=instance.id,
                case_id=instance.case_id,
                bpmn_id=spec.bpmn_id,
                name=(spec.bpmn_name or spec.bpmn_id)[:200],
                lane=spec.lane,
                role=role,
                form_key=props.form or ("generic" if props.fields_json else None),
                state=HumanTaskState.READY,
                due_at=due_after(now, props.due) if props.due else None,
                created_at=now,
            )
        )
        if props.milestone and isinstance(spec, UserTask):
            case.stage = props.milestone[:100]


def sync_message_routes(session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, case: Case) -> None:
    wanted = {(name, case.case_no) for name in waiting_messages(workflow)}
    existing = {
        (r.message_name, r.correlation_key): r
        for r in session.scalars(select(MessageRoute).where(MessageRoute.instance_id == instance.id))
    }
    stale = [r.id for key, r in existing.items() if key not in wanted]
    if stale:
        session.execute(delete(MessageRoute).where(MessageRoute.id.in_(stale)))
    for name, key in wanted - set(existing):
        session.add(MessageRoute(instance_id=instance.id, message_name=name, correlation_key=key))


def event(
    session: Session,
    instance: ProcessInstance,
    action: str,
    actor_id: int | None,
    now: datetime,
    *,
    task_guid: str | None = None,
    bpmn_id: str | None = None,
    terminal: str | None = None,
    data: dict | None = None,
    note: str | None = None,
) -> TaskEvent:
    row = TaskEvent(
        case_id=instance.case_id,
        instance_id=instance.id,
        task_guid=task_guid,
        bpmn_id=bpmn_id,
        action=action,
        actor_id=actor_id,
        at=now,
        terminal=terminal,
        data=data,
        note=note,
    )
    session.add(row)
    return row
