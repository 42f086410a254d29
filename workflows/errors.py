"""Errors the engine reports to screens and commands; every message is Japanese."""

from __future__ import annotations


class WorkflowError(Exception):
    """Base class: `str(error)` is a message fit to show to staff."""


class NotFound(WorkflowError):
    pass


class TaskAlreadyCompleted(WorkflowError):
    """The task was completed (or cancelled) by someone else a moment ago."""


class Conflict(WorkflowError):
    """The case changed since the screen was loaded (optimistic lock lost)."""


class NotAllowed(WorkflowError):
    """The person lacks the role, or the task is assigned to someone else."""


class SeparationOfDutiesViolation(NotAllowed):
    """二者確認: the person performed an earlier task this task must be separated from."""


class FormInvalid(WorkflowError):
    """Submitted form data does not satisfy the task's field specification."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("入力内容に誤りがあります: " + "、".join(f"{k}: {v}" for k, v in errors.items()))


class DefinitionInvalid(WorkflowError):
    """A BPMN file failed validation; `problems` lists each element id and message."""

    def __init__(self, problems: list) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class InstanceNotRunnable(WorkflowError):
    """The instance is in the error state, completed or cancelled."""
