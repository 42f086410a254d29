"""The engine's public API: what web screens, commands and handlers call.

Every function works inside the caller's transaction (`Database.transaction()`) and never
commits, except that a refusal for separation of duties is recorded on its own connection
so that it survives the caller's rollback. Nothing here returns SpiffWorkflow objects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from models.case import Case, Procedure, next_case_no
from models.message import MessageRoute
from models.process import InstanceStatus, ProcessInstance
from models.staff import Role, Staff
from models.task import HumanTask, HumanTaskState, TaskEvent
from workflows import forms, rows, runtime
from workflows.definitions import SPECS, newest_definition
from workflows.errors import (
    Conflict,
    FormInvalid,
    InstanceNotRunnable,
    NotAllowed,
    NotFound,
    SeparationOfDutiesViolation,
    TaskAlreadyCompleted,
)
from workflows.prepared import Prepared
from workflows.rows import InstanceRow, TaskRow
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
    documentation: str | None = None  # instructions of the step, plain text from the BPMN


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
    _require_small_data(data or {})
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
    spec, subprocess_specs = SPECS.of(session, definition)
    workflow = BpmnWorkflow(spec, subprocess_specs)
    attach_engine(workflow)
    start = workflow.get_tasks(state=TaskState.READY)[0]
    start.data.update({**(data or {}), "case_id": case.id, "case_no": case.case_no})
    row = InstanceRow(instance.id, case.id, definition.id, instance.status, instance.revision, 0, None,
                      instance.created_at, None, definition.checksum, case.case_no)
    handle = runtime.Handle(row, workflow, runtime.Snapshot.of(None))
    outcome = runtime.advance(session, handle, clock)
    handle.event("start", actor.staff_id if actor else None, ctx.now, terminal=actor.terminal if actor else None,
                 data=dict(data or {}) or None, note=f"{definition.process_key} 第 {definition.version} 版")
    after = runtime.persist(session, handle, outcome, ctx.now)
    session.expire(case)
    session.expire(instance)
    return _state(handle, after)


# --- human tasks ------------------------------------------------------------------------


@dataclass
class _Located:
    task: TaskRow
    instance: InstanceRow


def claim(session: Session, task_guid: str, actor: Actor, *, clock: Clock = system_clock) -> None:
    """Take a ready task (担当する). Refused when the person lacks the lane's role, performed
    a task this one is separated from, or someone else holds it."""
    ctx = _Context(session, clock)
    found = _ready_task(session, task_guid)
    task = found.task
    _require_role(task, actor)
    _check_separation(ctx, found, actor.staff_id, actor, "claim")
    if task.assignee_id == actor.staff_id:
        return
    if not _assign(session, task, actor.staff_id, ctx.now, only_if_free=True):
        raise Conflict("この作業は先に他の職員が担当しました")
    _log(session, found, "claim", actor, ctx.now)


def unclaim(session: Session, task_guid: str, actor: Actor, *, clock: Clock = system_clock) -> None:
    """Give a task back to the shared inbox (the holder, or a supervisor)."""
    ctx = _Context(session, clock)
    found = _ready_task(session, task_guid)
    task = found.task
    if task.assignee_id is None:
        return
    if task.assignee_id != actor.staff_id and Role.SUPERVISOR not in actor.roles:
        raise NotAllowed("他の職員が担当している作業を戻せるのは監督者だけです")
    previous = task.assignee_id
    _assign(session, task, None, None)
    _log(session, found, "unclaim", actor, ctx.now, data={"previous_assignee_id": previous})


def reassign(
    session: Session, task_guid: str, actor: Actor, to_staff_id: int, *, clock: Clock = system_clock
) -> None:
    """A supervisor (監督者) hands a task to a named person, e.g. during an absence."""
    ctx = _Context(session, clock)
    if Role.SUPERVISOR not in actor.roles:
        raise NotAllowed("作業の割り当てを変更できるのは監督者だけです")
    found = _ready_task(session, task_guid)
    task = found.task
    target = session.get(Staff, to_staff_id)
    if target is None or not target.active:
        raise NotFound("割り当て先の職員が見つからないか、無効になっています")
    if Role(task.role) not in target.roles:
        raise NotAllowed(f"{target.full_name} さんはこの作業の役割（{Role(task.role).label}）を持っていません")
    _check_separation(ctx, found, to_staff_id, actor, "reassign")
    previous = task.assignee_id
    _assign(session, task, to_staff_id, ctx.now)
    _log(session, found, "reassign", actor, ctx.now,
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
    found = _ready_task(session, task_guid)
    task, instance = found.task, found.instance
    if expected_revision is not None and instance.revision != expected_revision:
        raise Conflict("この案件は画面を開いた後に更新されました。画面を開き直してください。")
    if instance.status != InstanceStatus.RUNNING:
        raise InstanceNotRunnable(_not_runnable(instance))
    _require_role(task, actor)
    if task.assignee_id not in (None, actor.staff_id):
        raise NotAllowed("この作業は他の職員が担当しています")
    props = _properties(session, found)
    _check_separation(ctx, found, actor.staff_id, actor, "complete", props)
    cleaned = _clean(props, form_data, forms.FormContext(
        session, task.case_id, task_guid, task.bpmn_id, actor.staff_id, actor.terminal, ctx.now, completing=True))

    handle = runtime.open_instance(session, instance)
    spiff_task = runtime.task_of(handle.workflow, task_guid)
    if spiff_task is None or spiff_task.state != TaskState.READY:
        raise Conflict("この作業は既に進んでいます。画面を開き直してください。")
    spiff_task.data.update(cleaned)
    handle.completed_guid = task_guid
    outcome = runtime.advance(session, handle, clock, action=spiff_task.run, actor_id=actor.staff_id)

    def record() -> None:
        values: dict[str, Any] = {"state": HumanTaskState.COMPLETED, "completed_by_id": actor.staff_id,
                                  "completed_at": ctx.now}
        if task.assignee_id is None:
            values.update(assignee_id=actor.staff_id, claimed_at=ctx.now)
        rows.update_task(session, task.id, values)
        handle.event("complete", actor.staff_id, ctx.now, task_guid=task_guid, bpmn_id=task.bpmn_id,
                     terminal=actor.terminal, data=_jsonable(cleaned))

    after = runtime.persist(session, handle, outcome, ctx.now, after_lock=record)
    return _state(handle, after)


def clean_form(
    session: Session, task_guid: str, data: Mapping[str, Any], actor: Actor | None = None,
    *, clock: Clock = system_clock,
) -> dict:
    """Validate submitted data against the task's form without completing it (FormInvalid)."""
    found = _locate(session, task_guid)
    context = forms.FormContext(session, found.task.case_id, task_guid, found.task.bpmn_id,
                                actor.staff_id if actor else None, actor.terminal if actor else None,
                                clock(), completing=False)
    return _clean(_properties(session, found), data, context)


def task_form(session: Session, task_guid: str) -> TaskForm:
    """The form of a task, read from the definition (no workflow is deserialized)."""
    found = _locate(session, task_guid)
    props = _properties(session, found)
    fields = forms.fields_of(props.fields_json) if props.fields_json else ()
    return TaskForm(task_guid, found.task.name, props.form or ("generic" if fields else None), fields,
                    props.milestone, props.separate_from, props.documentation)


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


# --- messages, retries, timers ------------------------------------------------------------


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
    instance_ids = session.scalars(
        select(MessageRoute.instance_id).where(
            MessageRoute.message_name == message_name, MessageRoute.correlation_key == correlation_key
        ).order_by(MessageRoute.instance_id)
    ).all()
    if not instance_ids:
        raise NotFound(f"メッセージ「{message_name}」（{correlation_key}）を待っている案件はありません")
    states = []
    for instance_id in instance_ids:
        handle = runtime.open_by_id(session, instance_id)
        if handle.instance.status != InstanceStatus.RUNNING:
            raise InstanceNotRunnable(_not_runnable(handle.instance))
        message = BpmnEvent(MessageEventDefinition(message_name), payload=dict(payload or {}))

        def deliver(workflow: BpmnWorkflow = handle.workflow, message: BpmnEvent = message) -> None:
            try:
                workflow.send_event(message)
            except WorkflowException as exc:
                raise Conflict(f"この案件はメッセージ「{message_name}」を待っていません") from exc

        outcome = runtime.advance(session, handle, clock, action=deliver)
        handle.event("message", actor.staff_id if actor else None, ctx.now,
                     terminal=actor.terminal if actor else None, data=_jsonable(dict(payload or {})),
                     note=message_name)
        states.append(_state(handle, runtime.persist(session, handle, outcome, ctx.now)))
    return states


def retry(
    session: Session, instance_id: int, actor: Actor | None = None, *, clock: Clock = system_clock
) -> InstanceState:
    """Run the failed step of an instance in the error state again (再実行)."""
    ctx = _Context(session, clock)
    handle = runtime.open_by_id(session, instance_id)
    if handle is None:
        raise NotFound("案件の処理状態が見つかりません")
    if handle.instance.status != InstanceStatus.ERROR:
        raise InstanceNotRunnable("この案件はエラー状態ではありません")

    def rerun() -> None:
        for failed in handle.workflow.get_tasks(state=TaskState.ERROR):
            failed.run()

    attempts = handle.instance.error_count
    outcome = runtime.advance(session, handle, clock, action=rerun)
    handle.event("retry", actor.staff_id if actor else None, ctx.now, terminal=actor.terminal if actor else None,
                 note=f"{attempts} 回目のエラーからの再実行")
    return _state(handle, runtime.persist(session, handle, outcome, ctx.now))


def cancel_case(
    session: Session, instance_id: int, actor: Actor, reason: str, *, clock: Clock = system_clock
) -> InstanceState:
    """取消: a supervisor stops a case for good (e.g. withdrawn, or stuck in the error state).

    Open inbox rows are cancelled, timers and message routes removed; the history stays.
    """
    ctx = _Context(session, clock)
    if Role.SUPERVISOR not in actor.roles:
        raise NotAllowed("案件を取り消せるのは監督者だけです")
    if not reason.strip():
        raise FormInvalid({"取消理由": "入力してください"})
    handle = runtime.open_by_id(session, instance_id)
    if handle is None:
        raise NotFound("案件の処理状態が見つかりません")
    if handle.instance.status in (InstanceStatus.COMPLETED, InstanceStatus.CANCELLED):
        raise InstanceNotRunnable(_not_runnable(handle.instance))
    handle.workflow.cancel()
    handle.event("case_cancelled", actor.staff_id, ctx.now, terminal=actor.terminal, note=reason.strip())
    after = runtime.persist(session, handle, runtime.StepOutcome(runtime.Snapshot.of(None)), ctx.now,
                            cancelled=True)
    return _state(handle, after)


def fire_timers(session: Session, handle: runtime.Handle, clock: Clock) -> InstanceState:
    """Fire the due timers of one (locked) instance; used by workflows.timers."""
    ctx = _Context(session, clock)
    outcome = runtime.advance(session, handle, clock)
    handle.event("timer", None, ctx.now, note="期限・タイマーの確認")
    return _state(handle, runtime.persist(session, handle, outcome, ctx.now))


# --- helpers ------------------------------------------------------------------------------


def _locate(session: Session, task_guid: str) -> _Located:
    found = rows.task_with_instance(session, task_guid)
    if found is None:
        raise NotFound("作業が見つかりません")
    return _Located(*found)


def _assign(session: Session, task: TaskRow, staff_id: int | None, at: datetime | None,
            only_if_free: bool = False) -> bool:
    query = update(rows.TASKS).where(rows.TASKS.c.id == task.id, rows.TASKS.c.state == HumanTaskState.READY)
    if only_if_free:
        query = query.where(rows.TASKS.c.assignee_id.is_(None))
    return session.connection().execute(query.values(assignee_id=staff_id, claimed_at=at)).rowcount == 1


def _ready_task(session: Session, task_guid: str) -> _Located:
    found = _locate(session, task_guid)
    if found.task.state == HumanTaskState.COMPLETED:
        raise TaskAlreadyCompleted("この作業は既に他の職員によって完了しています")
    if found.task.state == HumanTaskState.CANCELLED:
        raise TaskAlreadyCompleted("この作業は取り消されています（期限切れなど）")
    return found


def _require_role(task: TaskRow, actor: Actor) -> None:
    if Role(task.role) not in actor.roles:
        raise NotAllowed(f"この作業には「{Role(task.role).label}」の役割が必要です")


def _properties(session: Session, found: _Located) -> TaskProperties:
    spec, subprocess_specs = SPECS.get(session, found.instance.definition_id, found.instance.checksum)
    task_spec = runtime.task_spec_by_bpmn_id(spec, subprocess_specs, found.task.bpmn_id)
    if task_spec is None:
        raise NotFound(f"工程定義に作業「{found.task.bpmn_id}」がありません")
    return TaskProperties.of(task_spec)


def _clean(props: TaskProperties, data: Mapping[str, Any], context: forms.FormContext) -> dict:
    if props.fields_json:
        return forms.clean_submission(forms.fields_of(props.fields_json), data)
    if props.form:
        cleaner = forms.form_cleaner(props.form, context)
        if cleaner is None:
            raise NotFound(f"フォーム「{props.form}」は登録されていません")
        return dict(cleaner(data))
    return {}


def _check_separation(
    ctx: _Context, found: _Located, performer_id: int, actor: Actor, attempted: str,
    props: TaskProperties | None = None,
) -> None:
    """二者確認: refuse when `performer_id` completed a task this one is separated from."""
    props = props or _properties(ctx.session, found)
    if not props.separate_from:
        return
    task = found.task
    earlier = _performed_earlier(ctx.session, task.instance_id, props.separate_from, performer_id)
    if earlier is None:
        return
    earlier_name, earlier_bpmn_id = earlier
    message = f"二者確認のため、「{earlier_name}」を行った職員はこの作業（{task.name}）を担当できません"
    refusal = TaskEvent(
        case_id=task.case_id, instance_id=task.instance_id, task_guid=task.task_guid, bpmn_id=task.bpmn_id,
        action="refused", actor_id=actor.staff_id, at=ctx.now, terminal=actor.terminal,
        data={"attempted": attempted, "performer_id": performer_id, "separate_from": earlier_bpmn_id},
        note=message,
    )
    _record_independently(ctx.session, refusal)
    raise SeparationOfDutiesViolation(message)


def _performed_earlier(session: Session, instance_id: int, bpmn_ids, performer_id: int) -> tuple[str, str] | None:
    """(name, BPMN id) of a task among `bpmn_ids` that this person completed in the instance."""
    for name, bpmn_id, state, completed_by_id in _TASKS_OF_INSTANCE.all(session, {"instance_id": instance_id}):
        if bpmn_id in bpmn_ids and state == HumanTaskState.COMPLETED and completed_by_id == performer_id:
            return name, bpmn_id
    return None


# By instance only: an instance has a handful of tasks, while a condition on the performer
# would let SQLite (which keeps no statistics) read every task that person ever completed.
_TASKS_OF_INSTANCE = Prepared(
    select(rows.TASKS.c.name, rows.TASKS.c.bpmn_id, rows.TASKS.c.state, rows.TASKS.c.completed_by_id)
    .where(rows.TASKS.c.instance_id == bindparam("instance_id"))
    .order_by(rows.TASKS.c.id)
)


def _record_independently(session: Session, row: TaskEvent) -> None:
    """Commit a refusal on its own connection so the caller's rollback cannot erase it."""
    try:
        with Session(bind=session.get_bind()) as own:
            own.add(row)
            own.commit()
    except OperationalError:  # e.g. SQLite locked by the caller's own pending writes
        session.add(row)


def _log(session: Session, found: _Located, action: str, actor: Actor, now: datetime,
         data: dict | None = None) -> None:
    task = found.task
    session.add(TaskEvent(case_id=task.case_id, instance_id=task.instance_id, task_guid=task.task_guid,
                          bpmn_id=task.bpmn_id, action=action, actor_id=actor.staff_id, at=now,
                          terminal=actor.terminal, data=data))


def _state(handle: runtime.Handle, after: runtime.Snapshot) -> InstanceState:
    instance = handle.instance
    return InstanceState(instance.case_id, instance.case_no, instance.id, instance.revision, instance.status,
                         instance.error_message, tuple(after.ready))


def _not_runnable(instance: InstanceRow) -> str:
    if instance.status == InstanceStatus.ERROR:
        return f"この案件はエラーで止まっています。再実行してください（{instance.error_message}）"
    if instance.status == InstanceStatus.COMPLETED:
        return "この案件の処理は完了しています"
    return "この案件は取り消されています"


MAX_START_DATA = 4096  # bytes of JSON: ids and small decision values only


def _require_small_data(data: Mapping[str, Any]) -> None:
    """Start data must be plain JSON values, small, with names scripts can use."""
    try:
        size = len(json.dumps(dict(data), ensure_ascii=False))
    except (TypeError, ValueError) as exc:
        raise FormInvalid({"開始データ": "数値・文字列・真偽値・一覧・辞書だけを指定してください"}) from exc
    if size > MAX_START_DATA:
        raise FormInvalid({"開始データ": "大きすぎます。案件の情報は Sesshu の表に保存し、ID だけを渡してください"})
    bad = [key for key in data if not isinstance(key, str) or not key.isidentifier() or key.startswith("_")]
    if bad:
        raise FormInvalid({"開始データ": f"使えない名前です: {', '.join(map(str, bad))}"})


def _jsonable(data: Mapping[str, Any]) -> dict:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in data.items()}
