"""外部媒体への書き出し: request, approval and the single encrypted download."""

from __future__ import annotations

from flask import Flask

from web.navigation import add_nav_entry


def init_app(app: Flask) -> None:
    from web.exports import views

    app.register_blueprint(views.bp)
    add_nav_entry(app, "書き出し申請", "exports.index", order=60)
