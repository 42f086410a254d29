"""受信トレイ (task inbox) of the staff."""

from __future__ import annotations

from flask import Flask

from web.navigation import add_nav_entry


def init_app(app: Flask) -> None:
    from web.inbox import views

    app.register_blueprint(views.bp)
    add_nav_entry(app, "受信トレイ", "inbox.index", order=10)
