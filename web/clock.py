"""The current time for request handling; tests replace it to move time forward."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask, current_app

from models.base import utcnow

CLOCK_KEY = "sesshu_clock"


def now() -> datetime:
    clock: Callable[[], datetime] = current_app.extensions.get(CLOCK_KEY, utcnow)
    return clock()


def set_clock(app: Flask, clock: Callable[[], datetime] | None) -> None:
    """Use `clock` instead of the system time (None restores the system time)."""
    if clock is None:
        app.extensions.pop(CLOCK_KEY, None)
    else:
        app.extensions[CLOCK_KEY] = clock
