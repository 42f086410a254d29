"""Progress of long work (一括処理・取込): a page per job that the owner can leave and reopen."""

from __future__ import annotations

from flask import Flask

from web.navigation import add_nav_entry


def init_app(app: Flask) -> None:
    from web.jobs import views

    app.register_blueprint(views.bp)
    add_nav_entry(app, "処理の進捗", "jobs.index", order=95)
