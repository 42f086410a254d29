"""The case timeline (経過): everything that happened to a case, oldest first.

Built from the append-only `task_event` history and the inbox rows of the case; staff
are named, form fields labelled as on the task's form, and every 個人番号 shown through
the current staff member's permission.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.staff import Staff
from models.task import HumanTask, TaskEvent
from web.forms.generic import form_class
from web.redaction import redact_field, redact_text
from workflows.errors import WorkflowError
from workflows.service import task_form

SYSTEM = "システム"
# Ids of staff members that events carry in their data.
_STAFF_KEYS = ("previous_assignee_id", "assignee_id", "performer_id")


@dataclass(frozen=True)
class FieldValue:
    label: str
    value: str


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # the event's action; also the CSS class of the entry
    title: str
    actor: str
    terminal: str | None = None
    note: str | None = None
    fields: tuple[FieldValue, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class _Form:
    labels: dict[str, str]
    choices: dict[str, dict[str, str]]


def case_timeline(session: Session, case_id: int) -> list[Entry]:
    events = session.scalars(
        select(TaskEvent).where(TaskEvent.case_id == case_id).order_by(TaskEvent.at, TaskEvent.id)
    ).all()
    tasks = {t.task_guid: t for t in session.scalars(select(HumanTask).where(HumanTask.case_id == case_id))}
    staff_ids = {e.actor_id for e in events if e.actor_id}
    for event in events:
        if isinstance(event.data, dict):
            staff_ids.update(v for k, v in event.data.items() if k in _STAFF_KEYS and isinstance(v, int))
    names = {row.id: row.full_name
             for row in session.execute(select(Staff.id, Staff.full_name).where(Staff.id.in_(staff_ids)))}
    forms: dict[str, _Form] = {}

    def form_of(guid: str) -> _Form:
        if guid not in forms:
            forms[guid] = _form_of(session, guid, tasks.get(guid))
        return forms[guid]

    return [_entry(event, tasks, names, form_of) for event in events]


def _entry(event: TaskEvent, tasks: dict[str, HumanTask], names: dict[int, str], form_of) -> Entry:
    task = tasks.get(event.task_guid) if event.task_guid else None
    task_name = task.name if task else (event.bpmn_id or "")
    data = event.data if isinstance(event.data, dict) else {}

    def staff(key: str) -> str:
        staff_id = data.get(key)
        return names.get(staff_id, f"職員 {staff_id}") if staff_id else "なし"

    note = redact_text(event.note) if event.note else None
    fields: tuple[FieldValue, ...] = ()
    action = event.action
    if action == "start":
        title = "案件を開始"
        fields = _plain_fields(data)
    elif action == "claim":
        title = f"「{task_name}」を担当"
    elif action == "unclaim":
        title = f"「{task_name}」の担当を解除（前の担当: {staff('previous_assignee_id')}）"
    elif action == "reassign":
        title = f"「{task_name}」の担当を変更: {staff('previous_assignee_id')} → {staff('assignee_id')}"
    elif action == "complete":
        title = f"「{task_name}」を完了"
        fields = _form_fields(data, form_of(event.task_guid)) if event.task_guid else _plain_fields(data)
    elif action == "refused":
        title = f"「{task_name}」の操作を拒否（二者確認）"
    elif action == "message":
        title = f"メッセージ「{event.note or ''}」を受信"
        note = None
        fields = _plain_fields(data)
    elif action == "timer":
        title = "期限・タイマーの到来"
    elif action == "cancelled":
        title = f"「{task_name}」が取り消されました"
    elif action == "error":
        title = "エラーで停止"
    elif action == "retry":
        title = "再実行"
    elif action == "case_cancelled":
        title = "案件を取消"
        note = f"取消理由: {note}" if note else None
    elif action == "instance_completed":
        title = "処理が完了"
    else:
        title = action
    actor = names.get(event.actor_id, f"職員 {event.actor_id}") if event.actor_id else SYSTEM
    return Entry(event.at, action, title, actor, event.terminal, note, fields)


def _form_of(session: Session, guid: str, task: HumanTask | None) -> _Form:
    """Labels (and choice names) of a task's form fields, from the definition it ran on."""
    try:
        form = task_form(session, guid)
    except WorkflowError:
        return _Form({}, {})
    if form.fields:
        return _Form({f.name: f.label for f in form.fields},
                     {f.name: dict(f.choices) for f in form.fields if f.choices})
    registered = form_class(form.form_key) if form.form_key else None
    if registered is None:
        return _Form({}, {})
    instance = registered(formdata=None, meta={"csrf": False})
    choices = {}
    for bound in instance:
        if isinstance(getattr(bound, "choices", None), list | tuple):
            pairs = ((c, c) if isinstance(c, str) else (c[0], c[1]) for c in bound.choices)
            choices[bound.name] = {str(value): str(label) for value, label in pairs}
    return _Form({bound.name: str(bound.label.text) for bound in instance}, choices)


def _form_fields(data: dict[str, Any], form: _Form) -> tuple[FieldValue, ...]:
    shown = []
    for name, value in data.items():
        label = form.labels.get(name, name)
        text = form.choices.get(name, {}).get(str(value)) if name in form.choices else None
        shown.append(FieldValue(label, redact_field(name, label, text or _shown(value))))
    return tuple(shown)


def _plain_fields(data: dict[str, Any]) -> tuple[FieldValue, ...]:
    return tuple(FieldValue(name, redact_field(name, None, _shown(value))) for name, value in data.items())


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
