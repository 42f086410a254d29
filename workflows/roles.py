"""Which role a BPMN lane names: lanes carry Japanese role names (窓口職員, 監督者, …)."""

from __future__ import annotations

from models.staff import ROLE_LABELS, Role

# Lane name → role. Defaults to the Japanese role labels; extend with `register_lane`.
LANE_ROLES: dict[str, Role] = {label: role for role, label in ROLE_LABELS.items()}


def register_lane(lane_name: str, role: Role) -> None:
    LANE_ROLES[lane_name] = role


def role_for_lane(lane_name: str | None) -> Role | None:
    if lane_name is None:
        return None
    return LANE_ROLES.get(lane_name.strip())
