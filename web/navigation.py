"""The navigation bar: each entry is shown only to staff whose roles reach its endpoint.

Blueprints add their entries when registered:

    add_nav_entry(app, "受付箱", "inbox.index", order=10)

Visibility comes from the endpoint's own access declaration (web.security), so
the menu can never offer a screen the person would be refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from web.auth.current import current_staff
from web.security import may_reach

NAV_KEY = "sesshu_nav"


@dataclass(frozen=True)
class NavEntry:
    label: str
    endpoint: str
    order: int = 100


def add_nav_entry(app: Flask, label: str, endpoint: str, order: int = 100) -> None:
    entries: list[NavEntry] = app.extensions.setdefault(NAV_KEY, [])
    entries.append(NavEntry(label, endpoint, order))
    entries.sort(key=lambda e: e.order)


def visible_entries() -> list[NavEntry]:
    staff = current_staff()
    if staff is None:
        return []
    return [
        entry for entry in current_app.extensions.get(NAV_KEY, [])
        if may_reach(current_app, entry.endpoint, staff.roles)
    ]


def init_app(app: Flask) -> None:
    @app.context_processor
    def navigation():
        return {"nav_entries": visible_entries, "current_staff": current_staff}
