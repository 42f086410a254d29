"""What the case page's diagram shows: the definition's XML and the state of each element.

Reading one instance for display deserializes it afresh and never touches the workflow
cache, so a page view cannot disturb a change in progress.
"""

from __future__ import annotations

from dataclasses import dataclass

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.process import ProcessDefinition
from workflows import rows
from workflows.definitions import SPECS
from workflows.spiff import load_instance

# Marker names the viewer uses, strongest first: an element passed in a loop and now
# ready again is active, not completed. Predicted states (FUTURE, LIKELY, MAYBE) show nothing.
ERROR, ACTIVE, COMPLETED, CANCELLED = "error", "active", "completed", "cancelled"
_PRECEDENCE = (ERROR, ACTIVE, COMPLETED, CANCELLED)
_MARKER_OF_STATE = {
    TaskState.ERROR: ERROR,
    TaskState.READY: ACTIVE,
    TaskState.WAITING: ACTIVE,
    TaskState.STARTED: ACTIVE,
    TaskState.COMPLETED: COMPLETED,
    TaskState.CANCELLED: CANCELLED,
}


@dataclass(frozen=True)
class InstanceDiagram:
    instance_id: int
    process_key: str
    version: int
    bpmn_xml: str
    states: dict[str, str]  # BPMN element id → error | active | completed | cancelled


def element_states(session: Session, instance_id: int) -> InstanceDiagram | None:
    """The diagram of an instance with the state of each element it reached; None if absent."""
    instance = rows.instance_by_id(session, instance_id)
    if instance is None:
        return None
    definition = session.execute(
        select(ProcessDefinition.process_key, ProcessDefinition.version, ProcessDefinition.bpmn_xml)
        .where(ProcessDefinition.id == instance.definition_id)
    ).one()
    spec, subprocess_specs = SPECS.get(session, instance.definition_id, instance.checksum)
    workflow = load_instance(rows.state_json(session, instance.id), spec, subprocess_specs)
    rank: dict[str, int] = {}
    for task in workflow.get_tasks():
        bpmn_id = task.task_spec.bpmn_id  # None for the engine's own Start/End/Root
        marker = _MARKER_OF_STATE.get(task.state)
        if bpmn_id is None or marker is None:
            continue
        position = _PRECEDENCE.index(marker)
        rank[bpmn_id] = min(position, rank.get(bpmn_id, position))
    states = {bpmn_id: _PRECEDENCE[position] for bpmn_id, position in sorted(rank.items())}
    return InstanceDiagram(instance.id, definition.process_key, definition.version, definition.bpmn_xml,
                           states)
