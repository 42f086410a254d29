"""Saving, restoring and discarding a person's draft of a task form (下書き)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.task_draft import TaskDraft
from web import clock

MAX_DRAFT_BYTES = 64 * 1024


class DraftTooLarge(ValueError):
    pass


def keep_fields(data: Mapping, names: Iterable[str]) -> dict:
    """Only the form's own fields, as strings (or lists of strings)."""
    allowed = set(names)
    kept: dict = {}
    for key, value in data.items():
        if key not in allowed:
            continue
        if isinstance(value, list):
            kept[key] = [str(v) for v in value]
        elif value is not None:
            kept[key] = str(value)
    if len(json.dumps(kept, ensure_ascii=False).encode()) > MAX_DRAFT_BYTES:
        raise DraftTooLarge("下書きが大きすぎます（64KBまで）")
    return kept


def load(session: Session, staff_id: int, task_guid: str) -> TaskDraft | None:
    return session.scalars(select(TaskDraft).where(TaskDraft.staff_id == staff_id,
                                                   TaskDraft.task_guid == task_guid)).first()


def save(session: Session, staff_id: int, task_guid: str, data: dict) -> TaskDraft:
    """Insert or replace the draft; the caller commits."""
    draft = load(session, staff_id, task_guid)
    if draft is None:
        draft = TaskDraft(staff_id=staff_id, task_guid=task_guid, data=data, saved_at=clock.now())
        try:
            with session.begin_nested():
                session.add(draft)
            return draft
        except IntegrityError:  # a save from another tab got there first
            draft = load(session, staff_id, task_guid)
            assert draft is not None
    draft.data = data
    draft.saved_at = clock.now()
    return draft


def discard(session: Session, staff_id: int, task_guid: str) -> None:
    session.execute(delete(TaskDraft).where(TaskDraft.staff_id == staff_id,
                                            TaskDraft.task_guid == task_guid))
