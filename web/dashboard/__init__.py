"""業務状況: open cases, work per lane, overdue tasks and weekly throughput at a glance."""

from __future__ import annotations

from flask import Flask

from web.navigation import add_nav_entry


def init_app(app: Flask) -> None:
    from web.dashboard import views

    app.register_blueprint(views.bp)
    add_nav_entry(app, "業務状況", "dashboard.index", order=30)
