"""保存期間経過記録の削除申請: request, see the request; the approval is a task on the task screen."""

from __future__ import annotations

from flask import Flask

from web.navigation import add_nav_entry


def init_app(app: Flask) -> None:
    from web.retention import views

    app.register_blueprint(views.bp)
    add_nav_entry(app, "保存期間経過記録", "retention.index", order=65)
