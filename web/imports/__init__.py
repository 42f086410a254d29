"""File imports from the browser (住基連携・接種記録) for システム管理者, run as jobs with progress."""

from __future__ import annotations

from flask import Flask

from web.navigation import add_nav_entry


def init_app(app: Flask) -> None:
    from web.imports import views

    app.register_blueprint(views.bp)
    add_nav_entry(app, "ファイル取込", "imports.index", order=83)
