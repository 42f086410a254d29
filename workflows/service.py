"""The engine's public API: what web screens, commands and handlers call.

Every function works inside the caller's transaction (`Database.transaction()`) and never
commits, except that a refusal for separation of duties is recorded on its own connection
so that it survives the caller's rollback. Nothing here returns SpiffWorkflow objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from models.case import Case, Procedure, next_case_no
from models.message import MessageRoute
from models.process import InstanceStatus, ProcessInstance
from models.staff import Role, Staff
from models.task import HumanTask, HumanTaskState, TaskEvent
from workflows import forms, runtime
from workflows.definitions import SPECS, newest_definition
from workflows.errors import (
    Conflict,
    InstanceNotRunnable,
    NotAllowed,
    NotFound,
    SeparationOfDutiesViolation,
    TaskAlreadyCompleted,
)
from workflows.spiff import Clock, attach_engine, system_clock
from workflows.taskprops import TaskProperties

LOCAL_TIME = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff member with their roles and terminal (IP / user agent)."""

    staff_id: int
    roles: frozenset[Role] = frozenset()
    terminal: str | None = None

    @classmethod
    def of(cls, staff: Staff, terminal: str | None = None) -> Actor:
        return cls(staff.id, staff.roles, terminal)


@dataclass(frozen=True)
class InstanceState:
    """Where an instance stands after a change."""

    case_id: int
    case_no: str
    instance_id: int
    revision: int
    status: str
    error: str | None = None
    ready_tasks: tuple[str, ...] = ()  # task guids now in the inbox


@dataclass(frozen=True)
class TaskForm:
    """What a screen needs to render a task's form: a registered key or generic fields."""

    task_guid: str
    name: str
    form_key: str | None
    fields: tuple[forms.Field, ...] = ()
    milestone: str | None = None
    separate_from: tuple[str, ...] = ()


@dataclass
class _Context:
    session: Session
    clock: Clock
    now: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.now = self.clock()


# --- starting ---------------------------------------------------------------------------


def start_case(
    session: Session,
    procedure: Procedure | str,
    process_key: str,
    actor: Actor | None,
    *,
    resident_id: int | None = None,
    data: Mapping[str, Any] | None = None,
    clock: Clock = system_clock,
) -> InstanceState:
    """Open a case (案件) and start the newest version of `process_key` for it.

    `data` holds only ids and small decision values; case data lives in Sesshu's tables.
    """
    ctx = _Context(session, clock)
    definition = newest_definition(session, process_key)
    if definition is None:
        raise NotFound(f"工程定義「{process_key}」が公開されていません")
    procedure = Procedure(procedure)
    case = Case(
        case_no=next_case_no(session, procedure, ctx.now.astimezone(LOCAL_TIME).date()),
        procedure=procedure,
        resident_id=resident_id,
        opened_by_id=actor.staff_id if actor else None,
        opened_at=ctx.now,
    )
    session.add(case)
    session.flush()
    instance = ProcessInstance(
        case_id=case.id,
        definition_id=definition.id,
        status=InstanceStatus.RUNNING,
        state_json="{}",
        serializer_version="",
        revision=0,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    session.add(instance)
    session.flush()
    spec, subprocess_specs = SPECS.get(definition)
    workflow = BpmnWorkflow(spec, subprocess_specs)
    attach_engine(workflow)
    start = workflow.get_tasks(state=TaskState.READY)[0]
    start.data.update({**(data or {}), "case_id": case.id, "case_no": case.case_no})
    outcome = runtime.advance(session, instance, workflow, clock)
    runtime.event(session, instance, "start", actor.staff_id if actor else None, ctx.now,
                  terminal=actor.terminal if actor else None, data=dict(data or {}) or None,
                  note=f"{definition.process_key} 第 {definition.version} 版")
    runtime.persist(session, instance, workflow, outcome, ctx.now)
    return _state(session, instance, case)


# --- human tasks ------------------------------------------------------------------------


def claim(
    session: Session, task_guid: str, actor: Actor, *, clock: Clock = system_clock
) -> None:
    """Take a ready task (担当する). Refused when the person lacks the lane's role, performed
    a task this one is separated from, or someone else holds it."""
    ctx = _Context(session, clock)
    task = _ready_task(session, task_guid)
    _require_role(task, actor)
    instance = session.get(ProcessInstance, task.instance_id)
    _check_separation(ctx, instance, task, actor.staff_id, actor, "claim")
    if task.assignee_id == actor.staff_id:
        return
    result = session.execute(
        update(HumanTask)
        .where(HumanTask.id == task.id, HumanTask.state == HumanTaskState.READY, HumanTask.assignee_id.is_(None))
        .values(assignee_id=actor.staff_id, claimed_at=ctx.now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("この作業は先に他の職員が担当しました")
    session.expire(task)
    runtime.event(session, instance, "claim", actor.staff_id, ctx.now, task_guid=task_guid,
                  bpmn_id=task.bpmn_id, terminal=actor.terminal)


def unclaim(session: Session, task_guid: str, actor: Actor, *, clock: Clock = system_clock) -> None:
    """Give a task back to the shared inbox (the holder, or a supervisor)."""
    ctx = _Context(session, clock)
    task = _ready_task(session, task_guid)
    if task.assignee_id is None:
        return
    if task.assignee_id != actor.staff_id and Role.SUPERVISOR not in actor.roles:
        raise NotAllowed("他の職員が担当している作業を戻せるのは監督者だけです")
    previous = task.assignee_id
    task.assignee_id = None
    task.claimed_at = None
    instance = session.get(ProcessInstance, task.instance_id)
    runtime.event(session, instance, "unclaim", actor.staff_id, ctx.now, task_guid=task_guid,
                  bpmn_id=task.bpmn_id, terminal=actor.terminal, data={"previous_assignee_id": previous})


def reassign(
    session: Session, task_guid: str, actor: Actor, to_staff_id: int, *, clock: Clock = system_clock
) -> None:
    """A supervisor (監督者) hands a task to a named person, e.g. during an absence."""
    ctx = _Context(session, clock)
    if Role.SUPERVISOR not in actor.roles:
        raise NotAllowed("作業の割り当てを変更できるのは監督者だけです")
    task = _ready_task(session, task_guid)
    target = session.get(Staff, to_staff_id)
    if target is None or not target.active:
        raise NotFound("割り当て先の職員が見つからないか、無効になっています")
    if Role(task.role) not in target.roles:
        raise NotAllowed(f"{target.full_name} さんはこの作業の役割（{Role(task.role).label}）を持っていません")
    instance = session.get(ProcessInstance, task.instance_id)
    _check_separation(ctx, instance, task, to_staff_id, actor, "reassign")
    previous = task.assignee_id
    task.assignee_id = to_staff_id
    task.claimed_at = ctx.now
    runtime.event(session, instance, "reassign", actor.staff_id, ctx.now, task_guid=task_guid,
                  bpmn_id=task.bpmn_id, terminal=actor.terminal,
                  data={"previous_assignee_id": previous, "assignee_id": to_staff_id})


def complete_task(
    session: Session,
    task_guid: str,
    actor: Actor,
    form_data: Mapping[str, Any],
    *,
    expected_revision: int | None = None,
    clock: Clock = system_clock,
) -> InstanceState:
    """Complete a user task with submitted form data and run the process on until it waits.

    `expected_revision` is the instance revision the screen was rendered from; if the case
    changed since, Conflict is raised and nothing is stored.
    """
    ctx = _Context(session, clock)
    task = _ready_task(session, task_guid)
    instance = session.get(ProcessInstance, task.instance_id)
    if expected_revision is not None and instance.revision != expected_revision:
        raise Conflict("この案件は画面を開いた後に更新されました。画面を開き直してください。")
    if instance.status != InstanceStatus.RUNNING:
        raise InstanceNotRunnable(_not_runnable(instance))
    _require_role(task, actor)
    if task.assignee_id not in (None, actor.staff_id):
        raise NotAllowed("この作業は他の職員が担当しています")
    _check_separation(ctx, instance, task, actor.staff_id, actor, "complete")
    cleaned = clean_form(session, instance, task.bpmn_id, form_data)

    workflow = runtime.load(instance)
    spiff_task = runtime.task_of(workflow, task_guid)
    if spiff_task is None or spiff_task.state != TaskState.READY:
        raise Conflict("この作業は既に進んでいます。画面を開き直してください。")
    spiff_task.data.update(cleaned)
    outcome = runtime.advance(session, instance, workflow, clock, action=spiff_task.run)

    def record() -> None:
        task.state = HumanTaskState.COMPLETED
        task.completed_by_id = actor.staff_id
        task.completed_at = ctx.now
        if task.assignee_id is None:
            task.assignee_id, task.claimed_at = actor.staff_id, ctx.now
        runtime.event(session, instance, "complete", actor.staff_id, ctx.now, task_guid=task_guid,
                      bpmn_id=task.bpmn_id, terminal=actor.terminal, data=_jsonable(cleaned))

    runtime.persist(session, instance, workflow, outcome, ctx.now, after_lock=record)
    return _state(session, instance)


def clean_form(session: Session, instance: ProcessInstance, bpmn_id: str, data: Mapping[str, Any]) -> dict:
    """Validate submitted data against the task's form; FormInvalid lists what is wrong."""
    props = _task_properties(instance, bpmn_id)
    if props.fields_json:
        return forms.clean_submission(forms.parse_fields(props.fields_json), data)
    if props.form:
        cleaner = forms.form_cleaner(props.form)
        if cleaner is None:
            raise NotFound(f"フォーム「{props.form}」は登録されていません")
        return dict(cleaner(data))
    return {}


def task_form(session: Session, task_guid: str) -> TaskForm:
    """The form of a task, read from the definition (no workflow is deserialized)."""
    task = session.scalars(select(HumanTask).where(HumanTask.task_guid == task_guid)).one_or_none()
    if task is None:
        raise NotFound("作業が見つかりません")
    instance = session.get(ProcessInstance, task.instance_id)
    props = _task_properties(instance, task.bpmn_id)
    fields = tuple(forms.parse_fields(props.fields_json)) if props.fields_json else ()
    return TaskForm(task_guid, task.name, props.form or ("generic" if fields else None), fields,
                    props.milestone, props.separate_from)


def inbox(session: Session, actor: Actor, *, mine_only: bool = False, limit: int = 200) -> list[HumanTask]:
    """Ready tasks the person may work on: theirs, and unassigned ones of their roles."""
    query = select(HumanTask).where(HumanTask.state == HumanTaskState.READY)
    if mine_only:
        query = query.where(HumanTask.assignee_id == actor.staff_id)
    else:
        query = query.where(
            HumanTask.role.in_([str(r) for r in actor.roles]),
            (HumanTask.assignee_id.is_(None)) | (HumanTask.assignee_id == actor.staff_id),
        )
    query = query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at).limit(limit)
    return list(session.scalars(query))


# --- messages and retries ----------------------------------------------------------------


def send_message(
    session: Session,
    message_name: str,
    correlation_key: str,
    payload: Mapping[str, Any] | None = None,
    *,
    actor: Actor | None = None,
    clock: Clock = system_clock,
) -> list[InstanceState]:
    """Deliver an inbound message (e.g. a reply from the 中間サーバ) to the instances waiting
    for it under `correlation_key` (the case number). NotFound when none is waiting."""
    ctx = _Context(session, clock)
    routes = session.scalars(
        select(MessageRoute).where(
            MessageRoute.message_name == message_name, MessageRoute.correlation_key == correlation_key
        )
    ).all()
    if not routes:
        raise NotFound(f"メッセージ「{message_name}」（{correlation_key}）を待っている案件はありません")
    states = []
    for route in routes:
        instance = session.get(ProcessInstance, route.instance_id)
        if instance.status != InstanceStatus.RUNNING:
            raise InstanceNotRunnable(_not_runnable(instance))
        workflow = runtime.load(instance)
        message = BpmnEvent(MessageEventDefinition(message_name), payload=dict(payload or {}))

        def deliver(workflow: BpmnWorkflow = workflow, message: BpmnEvent = message) -> None:
            try:
                workflow.send_event(message)
            except WorkflowException as exc:
                raise Conflict(f"この案件はメッセージ「{message_name}」を待っていません") from exc

        outcome = runtime.advance(session, instance, workflow, clock, action=deliver)
        runtime.event(session, instance, "message", actor.staff_id if actor else None, ctx.now,
                      terminal=actor.terminal if actor else None, data=_jsonable(dict(payload or {})),
                      note=message_name)
        runtime.persist(session, instance, workflow, outcome, ctx.now)
        states.append(_state(session, instance))
    return states


def retry(
    session: Session, instance_id: int, actor: Actor | None = None, *, clock: Clock = system_clock
) -> InstanceState:
    """Run the failed step of an instance in the error state again (再実行)."""
    ctx = _Context(session, clock)
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound("案件の処理状態が見つかりません")
    if instance.status != InstanceStatus.ERROR:
        raise InstanceNotRunnable("この案件はエラー状態ではありません")
    workflow = runtime.load(instance)

    def rerun() -> None:
        for failed in workflow.get_tasks(state=TaskState.ERROR):
            failed.run()

    outcome = runtime.advance(session, instance, workflow, clock, action=rerun)
    runtime.event(session, instance, "retry", actor.staff_id if actor else None, ctx.now,
                  terminal=actor.terminal if actor else None, note=f"{instance.error_count} 回目のエラーからの再実行")
    runtime.persist(session, instance, workflow, outcome, ctx.now)
    return _state(session, instance)


def fire_timers(session: Session, instance: ProcessInstance, clock: Clock) -> InstanceState:
    """Fire the due timers of one (locked) instance; used by workflows.timers."""
    ctx = _Context(session, clock)
    workflow = runtime.load(instance)
    outcome = runtime.advance(session, instance, workflow, clock)
    runtime.event(session, instance, "timer", None, ctx.now, note="期限・タイマーの確認")
    runtime.persist(session, instance, workflow, outcome, ctx.now)
    return _state(session, instance)


# --- helpers ------------------------------------------------------------------------------


def _ready_task(session: Session, task_guid: str) -> HumanTask:
    task = session.scalars(select(HumanTask).where(HumanTask.task_guid == task_guid)).one_or_none()
    if task is None:
        raise NotFound("作業が見つかりません")
    if task.state == HumanTaskState.COMPLETED:
        raise TaskAlreadyCompleted("この作業は既に他の職員によって完了しています")
    if task.state == HumanTaskState.CANCELLED:
        raise TaskAlreadyCompleted("この作業は取り消されています（期限切れなど）")
    return task


def _require_role(task: HumanTask, actor: Actor) -> None:
    if Role(task.role) not in actor.roles:
        raise NotAllowed(f"この作業には「{Role(task.role).label}」の役割が必要です")


def _task_properties(instance: ProcessInstance, bpmn_id: str) -> TaskProperties:
    spec, subprocess_specs = SPECS.get(instance.definition)
    task_spec = runtime.find_task_spec(spec, subprocess_specs, bpmn_id)
    if task_spec is None:
        raise NotFound(f"工程定義に作業「{bpmn_id}」がありません")
    return TaskProperties.of(task_spec)


def _check_separation(
    ctx: _Context, instance: ProcessInstance, task: HumanTask, performer_id: int, actor: Actor, attempted: str
) -> None:
    """二者確認: refuse when `performer_id` completed a task this one is separated from."""
    props = _task_properties(instance, task.bpmn_id)
    if not props.separate_from:
        return
    earlier = ctx.session.scalars(
        select(HumanTask).where(
            HumanTask.instance_id == instance.id,
            HumanTask.bpmn_id.in_(props.separate_from),
            HumanTask.state == HumanTaskState.COMPLETED,
            HumanTask.completed_by_id == performer_id,
        )
    ).first()
    if earlier is None:
        return
    message = (
        f"二者確認のため、「{earlier.name}」を行った職員はこの作業（{task.name}）を担当できません"
    )
    refusal = TaskEvent(
        case_id=instance.case_id, instance_id=instance.id, task_guid=task.task_guid, bpmn_id=task.bpmn_id,
        action="refused", actor_id=actor.staff_id, at=ctx.now, terminal=actor.terminal,
        data={"attempted": attempted, "performer_id": performer_id, "separate_from": earlier.bpmn_id},
        note=message,
    )
    _record_independently(ctx.session, refusal)
    raise SeparationOfDutiesViolation(message)


def _record_independently(session: Session, row: TaskEvent) -> None:
    """Commit a refusal on its own connection so the caller's rollback cannot erase it."""
    try:
        with Session(bind=session.get_bind()) as own:
            own.add(row)
            own.commit()
    except OperationalError:  # e.g. SQLite locked by the caller's own pending writes
        session.add(row)


def _state(session: Session, instance: ProcessInstance, case: Case | None = None) -> InstanceState:
    case = case or session.get(Case, instance.case_id)
    ready = session.scalars(
        select(HumanTask.task_guid).where(
            HumanTask.instance_id == instance.id, HumanTask.state == HumanTaskState.READY
        )
    ).all()
    return InstanceState(case.id, case.case_no, instance.id, instance.revision, instance.status,
                         instance.error_message, tuple(ready))


def _not_runnable(instance: ProcessInstance) -> str:
    if instance.status == InstanceStatus.ERROR:
        return f"この案件はエラーで止まっています。再実行してください（{instance.error_message}）"
    if instance.status == InstanceStatus.COMPLETED:
        return "この案件の処理は完了しています"
    return "この案件は取り消されています"


def _jsonable(data: Mapping[str, Any]) -> dict:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in data.items()}
