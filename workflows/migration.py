"""Moving running instances to a newer version of their process (移行), and back (元に戻す).

An instance keeps the version it started on. It can move when every part the new version
changes or removes has not run yet in it: SpiffWorkflow's `diff_workflow` aligns the
instance's tasks with the new spec, and a task that is changed or removed but already
completed, started or failed blocks the move. The answer is then confirmed by performing
the migration on a copy and loading the result with the new spec, exactly as `migrate`
will, so "can migrate" is what the engine actually does.

A migration stores the state from before it; while nothing else has happened to the
instance since, it can be reverted. The human-task index follows both ways.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.process import InstanceStatus, ProcessDefinition, ProcessInstance
from models.process_change import InstanceMigration, MigrationStatus
from models.staff import Role
from models.task import HumanTask, HumanTaskState
from workflows import rows, runtime
from workflows.definitions import SPECS
from workflows.errors import Conflict, NotAllowed, NotFound, WorkflowError
from workflows.roles import role_for_lane
from workflows.service import Actor
from workflows.spiff import SERIALIZER, Clock, dump_instance, load_instance, system_clock
from workflows.taskprops import TaskProperties, due_after

HAS_RUN = TaskState.COMPLETED | TaskState.STARTED | TaskState.ERROR


class MigrationRefused(WorkflowError):
    """The instance cannot move to that version; `reasons` says why, in Japanese."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("移行できません: " + " / ".join(reasons))


@dataclass(frozen=True)
class Eligibility:
    instance_id: int
    case_id: int
    case_no: str
    from_version: int
    to_version: int
    can_migrate: bool
    reasons: tuple[str, ...]
    current_tasks: tuple[str, ...]  # names of the open user tasks


def _label(task) -> str:
    spec = task.task_spec
    return spec.bpmn_name or spec.bpmn_id or spec.name


def _blocking(workflow, new_spec, new_subprocess_specs) -> tuple[list[str], Any, dict]:
    top_diff, sub_diffs = diff_workflow(SERIALIZER.registry, workflow, new_spec, new_subprocess_specs)
    reasons: list[str] = []
    diffs = [(top_diff, workflow), *[(d, workflow.subprocesses[i]) for i, d in sub_diffs.items()]]
    for sub_id, diff in sub_diffs.items():
        if diff is None:
            name = workflow.subprocesses[sub_id].spec.name
            reasons.append(f"実行中のサブプロセス「{name}」が新しい版にありません")
    for diff, _owner in diffs:
        if diff is None:
            continue
        for task in diff.removed:
            if task.has_state(HAS_RUN):
                reasons.append(f"「{_label(task)}」は実行済みですが、新しい版では削除されています")
        for task in diff.changed:
            if task.has_state(HAS_RUN) and task not in diff.removed:
                reasons.append(f"「{_label(task)}」は実行済みですが、新しい版で変更されています")
    return list(dict.fromkeys(reasons)), top_diff, sub_diffs


def _apply(workflow, top_diff, sub_diffs, new_spec, new_subprocess_specs) -> None:
    migrate_workflow(top_diff, workflow, new_spec)
    for sub_id, diff in sub_diffs.items():
        sub = workflow.subprocesses[sub_id]
        migrate_workflow(diff, sub, new_subprocess_specs[sub.spec.name])
    workflow.subprocess_specs = new_subprocess_specs


def _trial(state_json: str, old: tuple, new: tuple) -> list[str]:
    """Migrate a copy and reload it with the new spec, as `migrate` will; problems found."""
    workflow = load_instance(state_json, *old)
    reasons, top_diff, sub_diffs = _blocking(workflow, *new)
    if reasons:
        return reasons
    try:
        _apply(workflow, top_diff, sub_diffs, *new)
        load_instance(dump_instance(workflow), *new)
    except Exception as exc:  # whatever the engine trips over is a reason not to migrate
        return [f"移行後の状態を新しい版で読み込めません（{type(exc).__name__}: {exc}）"]
    return []


def _definition(session: Session, definition_id: int) -> ProcessDefinition:
    definition = session.get(ProcessDefinition, definition_id)
    if definition is None:
        raise NotFound("移行先の版が見つかりません")
    return definition


def _eligibility(session: Session, instance: ProcessInstance, target: ProcessDefinition) -> Eligibility:
    reasons: list[str] = []
    source = instance.definition
    if source.process_key != target.process_key:
        reasons.append("別の業務フローの版には移行できません")
    elif source.id == target.id:
        reasons.append("既にこの版で動いています")
    if instance.status != InstanceStatus.RUNNING:
        reasons.append({InstanceStatus.ERROR: "エラーで止まっています（再実行してから移行してください）",
                        InstanceStatus.COMPLETED: "処理が完了しています",
                        InstanceStatus.CANCELLED: "取り消されています"}[InstanceStatus(instance.status)])
    if not reasons:
        reasons = _trial(instance.state_json, SPECS.of(session, source), SPECS.of(session, target))
    tasks = session.scalars(select(HumanTask.name).where(
        HumanTask.instance_id == instance.id, HumanTask.state == HumanTaskState.READY)).all()
    return Eligibility(instance.id, instance.case_id, instance.case.case_no, source.version, target.version,
                       not reasons, tuple(reasons), tuple(tasks))


def eligibility(session: Session, instance_id: int, target_definition_id: int) -> Eligibility:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound("案件の処理状態が見つかりません")
    return _eligibility(session, instance, _definition(session, target_definition_id))


def candidates(session: Session, target_definition_id: int) -> list[Eligibility]:
    """Every running (or failed) instance on another version of the same process, with the answer."""
    target = _definition(session, target_definition_id)
    instances = session.scalars(
        select(ProcessInstance).join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .where(ProcessDefinition.process_key == target.process_key, ProcessDefinition.id != target.id,
               ProcessInstance.status.in_([InstanceStatus.RUNNING, InstanceStatus.ERROR]))
        .order_by(ProcessInstance.id)
    ).all()
    return [_eligibility(session, instance, target) for instance in instances]


def _require_owner(actor: Actor) -> None:
    if Role.PROCESS_OWNER not in actor.roles:
        raise NotAllowed("案件の版を移行できるのは業務管理者だけです")


def migrate(
    session: Session, instance_id: int, target_definition_id: int, actor: Actor, *, clock: Clock = system_clock,
) -> InstanceMigration:
    """Move one instance to `target_definition_id`; MigrationRefused with the reasons if it cannot."""
    _require_owner(actor)
    now = clock()
    answer = eligibility(session, instance_id, target_definition_id)
    if not answer.can_migrate:
        raise MigrationRefused(list(answer.reasons))
    instance = session.get(ProcessInstance, instance_id)
    source, target = instance.definition, _definition(session, target_definition_id)
    previous_state, previous_version = instance.state_json, instance.serializer_version
    handle = runtime.open_by_id(session, instance_id)
    new = SPECS.of(session, target)
    reasons, top_diff, sub_diffs = _blocking(handle.workflow, *new)
    if reasons:
        raise MigrationRefused(reasons)

    outcome = runtime.advance(session, handle, clock,
                              action=lambda: _apply(handle.workflow, top_diff, sub_diffs, *new))
    _store(session, handle, outcome, target, now)
    handle_note = f"第 {source.version} 版 → 第 {target.version} 版"
    migration = InstanceMigration(
        instance_id=instance_id, case_id=instance.case_id, from_definition_id=source.id,
        to_definition_id=target.id, previous_state_json=previous_state,
        previous_serializer_version=previous_version, migrated_revision=handle.instance.revision,
        status=MigrationStatus.MIGRATED, migrated_by_id=actor.staff_id, migrated_at=now,
    )
    session.add(migration)
    session.flush()
    _event(session, handle, "migrated", actor, now, handle_note, migration.id)
    return migration


def revert(session: Session, migration_id: int, actor: Actor, *, clock: Clock = system_clock) -> None:
    """Put a migrated instance back on its old version, as it was before the migration."""
    _require_owner(actor)
    now = clock()
    migration = session.get(InstanceMigration, migration_id)
    if migration is None:
        raise NotFound("移行の記録が見つかりません")
    if migration.status != MigrationStatus.MIGRATED:
        raise Conflict("この移行は既に元に戻されています")
    handle = runtime.open_by_id(session, migration.instance_id)
    if handle.instance.revision != migration.migrated_revision:
        raise Conflict("移行の後に案件が進んだため、元に戻せません（戻すと移行後の作業が失われます）")
    old = SPECS.of(session, migration.from_definition)
    restored = load_instance(migration.previous_state_json, *old)
    current = handle.workflow
    handle.workflow = restored
    handle.before = runtime.Snapshot.of(current)
    outcome = runtime.StepOutcome(runtime.Snapshot.of(restored))
    _store(session, handle, outcome, migration.from_definition, now)
    migration.status = MigrationStatus.REVERTED
    migration.reverted_by_id = actor.staff_id
    migration.reverted_at = now
    note = f"第 {migration.to_definition.version} 版 → 第 {migration.from_definition.version} 版（移行の取消し）"
    _event(session, handle, "migration_reverted", actor, now, note, migration.id)


def _store(session: Session, handle: runtime.Handle, outcome: runtime.StepOutcome,
           definition: ProcessDefinition, now: datetime) -> None:
    """Persist the instance on `definition` and bring its inbox rows in line with it."""
    before, after = handle.before, outcome.after
    # The index rows are synced here (kept guids may now mean another task); persist then
    # sees no change in ready tasks and only updates messages, timers and the instance.
    handle.before = runtime.Snapshot(after.ready, before.messages, before.next_timer, before.depth)
    instance_id = handle.instance.id

    def sync() -> None:
        session.connection().execute(update(rows.INSTANCES).where(rows.INSTANCES.c.id == instance_id)
                                     .values(definition_id=definition.id))
        stage = _sync_rows(session, handle, before, after, now)
        if stage:
            session.connection().execute(update(rows.CASES).where(rows.CASES.c.id == handle.instance.case_id)
                                         .values(stage=stage))

    runtime.persist(session, handle, outcome, now, after_lock=sync)
    handle.instance.definition_id = definition.id
    handle.instance.checksum = definition.checksum
    session.expire_all()


def _sync_rows(session: Session, handle: runtime.Handle, before: runtime.Snapshot, after: runtime.Snapshot,
               now: datetime) -> str | None:
    existing = {row.task_guid: row for row in session.scalars(
        select(HumanTask).where(HumanTask.instance_id == handle.instance.id,
                                HumanTask.task_guid.in_(set(before.ready) | set(after.ready))))}
    for guid in set(before.ready) - set(after.ready):
        row = existing.get(guid)
        if row is not None and row.state == HumanTaskState.READY:
            row.state, row.completed_at = HumanTaskState.CANCELLED, now
            handle.event("cancelled", None, now, task_guid=guid, bpmn_id=row.bpmn_id,
                         note="版の移行により作業が置き換えられました")
    milestone = None
    for guid in after.ready:
        spec = runtime.task_of(handle.workflow, guid).task_spec
        props = TaskProperties.of(spec)
        role = role_for_lane(spec.lane) or Role.SUPERVISOR
        values = {"bpmn_id": spec.bpmn_id, "name": (spec.bpmn_name or spec.bpmn_id)[:200], "lane": spec.lane,
                  "role": role, "form_key": props.form or ("generic" if props.fields_json else None)}
        row = existing.get(guid)
        if row is None:
            session.add(HumanTask(task_guid=guid, instance_id=handle.instance.id, case_id=handle.instance.case_id,
                                  state=HumanTaskState.READY, created_at=now,
                                  due_at=due_after(now, props.due) if props.due else None, **values))
        else:
            if row.role != role:
                row.assignee_id, row.claimed_at = None, None  # the holder may lack the new role
            for key, value in values.items():
                setattr(row, key, value)
            row.state, row.completed_at = HumanTaskState.READY, None
        if props.milestone and guid not in before.ready:
            milestone = props.milestone[:100]
    session.flush()
    return milestone


def _event(session: Session, handle: runtime.Handle, action: str, actor: Actor, now: datetime, note: str,
           migration_id: int) -> None:
    rows.insert_events(session, [{
        "case_id": handle.instance.case_id, "instance_id": handle.instance.id, "action": action,
        "actor_id": actor.staff_id, "at": now, "task_guid": None, "bpmn_id": None, "terminal": actor.terminal,
        "data": {"migration_id": migration_id}, "note": note}])


def migrate_all(session: Session, target_definition_id: int, actor: Actor, *, clock: Clock = system_clock,
                ) -> tuple[list[InstanceMigration], list[Eligibility]]:
    """Migrate every eligible instance; returns the migrations and the instances left behind."""
    done, left = [], []
    for answer in candidates(session, target_definition_id):
        if answer.can_migrate:
            done.append(migrate(session, answer.instance_id, target_definition_id, actor, clock=clock))
        else:
            left.append(answer)
    return done, left
