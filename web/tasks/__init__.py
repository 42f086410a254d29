"""The task screen (作業画面): one step of a case, its form, summary, instructions and history."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from web.tasks import views

    app.register_blueprint(views.bp)
