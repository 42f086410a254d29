"""The engine's view of the person making the current request."""

from __future__ import annotations

from web.auth.current import current_staff, terminal
from workflows.service import Actor


def engine_actor() -> Actor:
    staff = current_staff()
    assert staff is not None  # every caller's route requires login
    return Actor.of(staff, terminal=terminal())
