"""Loading, advancing and storing one process instance (internal to workflows/).

Every change goes through `persist`: the serialized state with a revision bump
(UPDATE … WHERE id = ? AND revision = ?), the human-task index, message routes, timer
due time and the case's status, all in the caller's transaction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from handlers.registry import HandlerContext
from models.base import utcnow
from models.case import Case, CaseStatus
from models.case_milestone import CaseMilestone
from models.message import MessageRoute
from models.process import InstanceStatus
from models.staff import Role
from models.task import HumanTaskState
from workflows import rows
from workflows.cache import CACHE
from workflows.definitions import SPECS
from workflows.errors import Conflict, WorkflowError
from workflows.prepared import Prepared
from workflows.roles import role_for_lane
from workflows.rows import InstanceRow
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
ROUTES = MessageRoute.__table__
MILESTONES = CaseMilestone.__table__
_KNOWN_MILESTONE = Prepared(select(MILESTONES.c.id).where(
    MILESTONES.c.instance_id == bindparam("instance_id"), MILESTONES.c.task_guid == bindparam("guid")
))
_INSERT_MILESTONES = Prepared(
    insert(MILESTONES), keys=("case_id", "instance_id", "task_guid", "bpmn_id", "stage", "reached_at")
)


def cache_version(instance: InstanceRow) -> tuple[int, str | None]:
    return (instance.revision, instance.state_token)


def task_spec_by_bpmn_id(spec, subprocess_specs: dict, bpmn_id: str):
    """The task spec with that BPMN id, through an index kept on the (immutable) parsed spec."""
    index = getattr(spec, "_sesshu_by_bpmn_id", None)
    if index is None:
        index = {}
        for candidate in (spec, *subprocess_specs.values()):
            for task_spec in candidate.task_specs.values():
                index.setdefault(task_spec.bpmn_id, task_spec)
        spec._sesshu_by_bpmn_id = index
    return index.get(bpmn_id)


@dataclass(frozen=True)
class Snapshot:
    """What the index tables reflect of a workflow: ready user tasks (guid → bpmn id), awaited
    messages, the next timer and the deepest open task; taken in one pass over the tree."""

    ready: dict[str, str]
    messages: frozenset[str]
    next_timer: datetime | None = None
    depth: int = 0

    @classmethod
    def of(cls, workflow: BpmnWorkflow | None) -> Snapshot:
        if workflow is None:
            return cls({}, frozenset())
        # A flat scan of the task maps in creation order: several times cheaper than the
        # tree iterator, and it also sees tasks nested deeper than the iterator's limit.
        open_tasks = [task for task in _all_tasks(workflow) if task.state & _OPEN]
        ready = {
            str(t.id): t.task_spec.bpmn_id for t in open_tasks if t.state == TaskState.READY and t.task_spec.manual
        }
        messages, timers = set(), []
        for pending in workflow.waiting_events():
            if pending.event_type == MESSAGE_EVENT:
                messages.add(pending.name)
            elif pending.event_type in TIMER_EVENTS and isinstance(pending.value, str):
                moment = datetime.fromisoformat(pending.value)
                timers.append(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
        depth = max((t.depth for t in open_tasks), default=0)
        return cls(ready, frozenset(messages), min(timers, default=None), depth)


@dataclass
class Handle:
    """One instance opened for a change: its row, case, workflow and pending history rows."""

    instance: InstanceRow
    workflow: BpmnWorkflow
    before: Snapshot
    events: list[dict] = field(default_factory=list)
    completed_guid: str | None = None

    def event(self, action: str, actor_id: int | None, now: datetime, **columns: Any) -> None:
        self.events.append(
            {"case_id": self.instance.case_id, "instance_id": self.instance.id, "action": action,
             "actor_id": actor_id, "at": now, "task_guid": None, "bpmn_id": None, "terminal": None,
             "data": None, "note": None, **columns}
        )


def open_instance(session: Session, instance: InstanceRow) -> Handle:
    cached = CACHE.take(instance.id, cache_version(instance))
    if cached is not None:
        workflow, snapshot = cached
        return Handle(instance, workflow, snapshot)
    spec, subprocess_specs = SPECS.get(session, instance.definition_id, instance.checksum)
    workflow = load_instance(rows.state_json(session, instance.id), spec, subprocess_specs)
    return Handle(instance, workflow, Snapshot.of(workflow))


def open_by_id(session: Session, instance_id: int) -> Handle | None:
    instance = rows.instance_by_id(session, instance_id)
    return open_instance(session, instance) if instance else None


def task_of(workflow: BpmnWorkflow, guid: str):
    try:
        return workflow.get_task_from_id(UUID(guid))
    except (ValueError, KeyError):
        return None


@dataclass
class StepOutcome:
    after: Snapshot
    error: str | None = None
    milestones: list[tuple[str, str, str]] = field(default_factory=list)  # (task guid, bpmn id, stage)


def advance(
    session: Session, handle: Handle, clock: Clock, action: Callable[[], Any] | None = None,
    actor_id: int | None = None,
) -> StepOutcome:
    """Run `action` (e.g. completing a task), then every engine step until the instance waits.

    A failing script, handler or expression leaves the instance in a visible error state
    instead of raising: the case is never lost.
    """
    workflow, instance = handle.workflow, handle.instance
    engine = workflow.script_engine
    engine.handler_context = HandlerContext(
        session, instance.case_id, instance.id, clock(), actor_id
    )
    since = time.time()
    try:
        with clock_in_effect(clock):
            if action is not None:
                action()
            workflow.refresh_timers()
            workflow.do_engine_steps()
    except WorkflowError:
        raise  # a refusal meant for the caller (e.g. a message nobody waits for), not a failure
    except (SpiffWorkflowException, ScriptError) as exc:
        return StepOutcome(Snapshot.of(workflow), error=_describe(exc), milestones=milestones_reached(workflow, since))
    except Exception as exc:  # a bug must not lose the case either; it is logged in full
        log.exception("workflow step failed for instance %s", instance.id)
        return StepOutcome(
            Snapshot.of(workflow), error=f"処理中に予期しないエラーが発生しました（{type(exc).__name__}: {exc}）"
        )
    finally:
        engine.handler_context = None
    after = Snapshot.of(workflow)
    if after.depth > MAX_TASK_DEPTH:
        return StepOutcome(
            after,
            error=f"繰り返し（ループ）が多すぎるため停止しました（タスクの深さ {after.depth}、上限 {MAX_TASK_DEPTH}）。"
            "案件を確認し、必要なら取り消して新しく開始してください。"
        )
    return StepOutcome(after, milestones=milestones_reached(workflow, since))


def milestones_reached(workflow: BpmnWorkflow, since: float) -> list[tuple[str, str, str]]:
    """Tasks and events carrying a `milestone` that were reached during this step, oldest first:
    user tasks when they become ready, catch events when they start waiting, anything else
    (service tasks, throw and end events) when it completes."""
    if not _has_milestones(workflow):
        return []
    reached = []
    # A flat scan of every task map: the order is restored by sorting, and it is much
    # cheaper than walking the tree.
    for task in _all_tasks(workflow):
        if task.last_state_change < since:
            continue
        stage = TaskProperties.of(task.task_spec).milestone
        if not stage or task.state not in _MILESTONE_STATES:
            continue
        if task.task_spec.manual and task.state != TaskState.READY:
            continue
        if not task.task_spec.manual and task.state == TaskState.READY:
            continue
        reached.append((task.last_state_change, str(task.id), task.task_spec.bpmn_id, stage[:100]))
    return [entry[1:] for entry in sorted(reached)]


_MILESTONE_STATES = (TaskState.READY, TaskState.WAITING, TaskState.COMPLETED)
_OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def _all_tasks(workflow: BpmnWorkflow):
    yield from workflow.tasks.values()
    for subprocess in workflow.subprocesses.values():
        yield from subprocess.tasks.values()


def _has_milestones(workflow: BpmnWorkflow) -> bool:
    """Whether any task spec of the workflow's definition declares a milestone (kept on the spec)."""
    spec = workflow.spec
    known = getattr(spec, "_sesshu_has_milestones", None)
    if known is None:
        specs = (spec, *workflow.subprocess_specs.values())
        known = any(
            TaskProperties.of(task_spec).milestone for candidate in specs for task_spec in candidate.task_specs.values()
        )
        spec._sesshu_has_milestones = known
    return known


def _describe(exc: Exception) -> str:
    """A Japanese account of a failed step, naming the BPMN element where it happened."""
    task = getattr(exc, "task", None)
    where = f"「{task.task_spec.bpmn_name or task.task_spec.bpmn_id}」で" if task is not None else ""
    inner = getattr(exc, "exception", None) or exc.__cause__ or exc.__context__
    message = str(exc.args[0]) if exc.args else str(exc)
    if isinstance(exc, ScriptError) or isinstance(inner, ScriptError):
        message = str(exc if isinstance(exc, ScriptError) else inner)
    elif message.startswith("処理「"):
        pass  # a service-task failure, already described
    elif isinstance(inner, NameError):
        message = f"式またはスクリプトに未定義の名前があります（{inner}）"
    elif inner is not None:
        message = f"式またはスクリプトの実行に失敗しました（{type(inner).__name__}: {inner}）"
    line = getattr(exc, "line_number", None)
    suffix = f"（{line} 行目）" if line else ""
    return f"{where}エラーが発生しました: {message}{suffix}"


def persist(
    session: Session,
    handle: Handle,
    outcome: StepOutcome,
    now: datetime,
    *,
    after_lock: Callable[[], None] | None = None,
    cancelled: bool = False,
) -> Snapshot:
    """Store the instance and everything derived from it, or raise Conflict. Returns the new index state."""
    instance, workflow = handle.instance, handle.workflow
    completed = outcome.error is None and workflow.is_completed() and not cancelled
    if cancelled:
        status = InstanceStatus.CANCELLED
    elif outcome.error:
        status = InstanceStatus.ERROR
    else:
        status = InstanceStatus.COMPLETED if completed else InstanceStatus.RUNNING
    previous_status = instance.status
    values: dict[str, Any] = {
        "state_json": dump_instance(workflow),
        "serializer_version": SERIALIZER_VERSION,
        "revision": instance.revision + 1,
        "state_token": uuid4().hex,
        "status": status,
        "next_timer_at": None if completed or cancelled or outcome.error else outcome.after.next_timer,
        "error_message": outcome.error,
        "error_count": instance.error_count + 1 if outcome.error else 0,
        "next_retry_at": now + retry_delay(instance.error_count + 1) if outcome.error else None,
        "updated_at": now,
    }
    if not rows.save_instance(session, instance.id, instance.revision, values):
        raise Conflict("この案件は直前に他の職員または処理によって更新されました。画面を開き直してください。")
    instance.revision, instance.status, instance.state_token = values["revision"], status, values["state_token"]
    instance.error_count, instance.error_message = values["error_count"], values["error_message"]
    if after_lock is not None:
        after_lock()
    after = outcome.after
    stage = sync_human_tasks(session, handle, after, now)
    stage = record_milestones(session, handle, outcome.milestones, now) or stage
    sync_message_routes(session, handle, after)
    case_values: dict[str, Any] = {}
    if status != previous_status:
        case_values["status"] = {
            InstanceStatus.ERROR: CaseStatus.ERROR,
            InstanceStatus.COMPLETED: CaseStatus.CLOSED,
            InstanceStatus.RUNNING: CaseStatus.OPEN,
            InstanceStatus.CANCELLED: CaseStatus.CANCELLED,
        }[status]
        if completed or cancelled:
            case_values["closed_at"] = now
    if stage:
        case_values["stage"] = stage
    if case_values:
        rows.update_case(session, instance.case_id, case_values)
        existing = session.identity_map.get(identity_key(Case, instance.case_id))
        if existing is not None:
            session.expire(existing)
    if outcome.error:
        handle.event("error", None, now, note=outcome.error)
    elif completed:
        handle.event("instance_completed", None, now)
    if handle.events:
        rows.insert_events(session, handle.events)
        handle.events = []
    CACHE.put_after_commit(session, instance.id, cache_version(instance), (workflow, after))
    return after


def retry_delay(attempt: int) -> timedelta:
    """Back-off before the worker retries a failed step: 1, 2, 4 … at most 60 minutes."""
    return timedelta(minutes=min(2 ** (attempt - 1), 60))


def sync_human_tasks(session: Session, handle: Handle, after: Snapshot, now: datetime) -> str | None:
    """Insert rows for newly ready user tasks and cancel rows of tasks that vanished
    (e.g. interrupted by a boundary timer); returns a milestone reached, if any."""
    gone = set(handle.before.ready) - set(after.ready) - {handle.completed_guid}
    if gone:
        session.connection().execute(
            update(rows.TASKS)
            .where(rows.TASKS.c.task_guid.in_(gone), rows.TASKS.c.state == HumanTaskState.READY)
            .values(state=HumanTaskState.CANCELLED, completed_at=now)
        )
        for guid in sorted(gone):
            handle.event("cancelled", None, now, task_guid=guid, bpmn_id=handle.before.ready[guid],
                         note="作業が取り消されました（期限などの境界イベント、または案件の取消）")
    new = [guid for guid in after.ready if guid not in handle.before.ready]
    if not new:
        return None
    new_rows, milestone = [], None
    for guid in new:
        spec = handle.workflow.get_task_from_id(UUID(guid)).task_spec
        props = TaskProperties.of(spec)
        new_rows.append(
            {
                "task_guid": guid, "instance_id": handle.instance.id, "case_id": handle.instance.case_id,
                "bpmn_id": spec.bpmn_id, "name": (spec.bpmn_name or spec.bpmn_id)[:200], "lane": spec.lane,
                "role": role_for_lane(spec.lane) or Role.SUPERVISOR,
                "form_key": props.form or ("generic" if props.fields_json else None),
                "state": HumanTaskState.READY, "assignee_id": None, "claimed_at": None,
                "due_at": due_after(now, props.due) if props.due else None, "created_at": now,
                "completed_by_id": None, "completed_at": None,
            }
        )
        if props.milestone:
            milestone = props.milestone[:100]
    rows.insert_tasks(session, new_rows)
    return milestone


def record_milestones(
    session: Session, handle: Handle, reached: list[tuple[str, str, str]], now: datetime
) -> str | None:
    """Add the dated milestone history rows (once per task: a catch event that waited and then
    completed counts once); returns the newest stage recorded, if any."""
    if not reached:
        return None
    instance_id = handle.instance.id
    fresh = [r for r in reached if _KNOWN_MILESTONE.first(session, {"instance_id": instance_id, "guid": r[0]}) is None]
    if not fresh:
        return None
    _INSERT_MILESTONES.execute_many(session, [
        {"case_id": handle.instance.case_id, "instance_id": handle.instance.id, "task_guid": guid,
         "bpmn_id": bpmn_id, "stage": stage, "reached_at": now} for guid, bpmn_id, stage in fresh
    ])
    return fresh[-1][2]


def sync_message_routes(session: Session, handle: Handle, after: Snapshot) -> None:
    before = handle.before.messages
    if before == after.messages:
        return
    if stale := before - after.messages:
        session.connection().execute(
            delete(ROUTES).where(ROUTES.c.instance_id == handle.instance.id, ROUTES.c.message_name.in_(stale))
        )
    if fresh := after.messages - before:
        session.connection().execute(
            insert(ROUTES),
            [{"instance_id": handle.instance.id, "message_name": name, "correlation_key": handle.instance.case_no,
              "created_at": utcnow()} for name in sorted(fresh)],
        )


