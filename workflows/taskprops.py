"""Sesshu's extension properties on user tasks (`spiffworkflow:properties`).

    form           key of a registered form
    fields         JSON list of generic form fields (see workflows.forms)
    separate_from  comma-separated bpmn ids of earlier user tasks whose performers may not
                   perform this one (separation of duties, 二者確認)
    milestone      Japanese stage name shown to claimants; becomes Case.stage when reached
    due            ISO-8601 duration (e.g. P14D) after which the task is overdue
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

CACHE_ATTRIBUTE = "_sesshu_properties"


@dataclass(frozen=True)
class TaskProperties:
    form: str | None
    fields_json: str | None
    separate_from: tuple[str, ...]
    milestone: str | None
    due: str | None
    documentation: str | None = None  # the step's instructions (bpmn:documentation), plain text

    @classmethod
    def of(cls, task_spec) -> TaskProperties:
        """Read once per task spec (specs are immutable after parsing) and kept on it."""
        cached = getattr(task_spec, CACHE_ATTRIBUTE, None)
        if cached is None:
            cached = cls._read(task_spec)
            setattr(task_spec, CACHE_ATTRIBUTE, cached)
        return cached

    @classmethod
    def _read(cls, task_spec) -> TaskProperties:
        props = (getattr(task_spec, "extensions", None) or {}).get("properties", {}) or {}
        clean = {k: (v or "").strip() or None for k, v in props.items()}
        separate = tuple(s.strip() for s in (clean.get("separate_from") or "").split(",") if s.strip())
        return cls(
            form=clean.get("form"),
            fields_json=clean.get("fields"),
            separate_from=separate,
            milestone=clean.get("milestone"),
            due=clean.get("due"),
            documentation=(getattr(task_spec, "documentation", None) or "").strip() or None,
        )


def parse_duration(text: str) -> dict:
    """Parse an ISO-8601 duration; ValueError when it is not one (or is empty)."""
    try:
        parsed = TimerEventDefinition.parse_iso_duration(text) if text.startswith("P") else {}
    except Exception as exc:  # SpiffWorkflow raises a bare Exception
        raise ValueError(text) from exc
    if not parsed:
        raise ValueError(text)
    return parsed


def due_after(start: datetime, text: str) -> datetime:
    delta: timedelta = TimerEventDefinition.get_timedelta_from_start(parse_duration(text), start)
    return start + delta
