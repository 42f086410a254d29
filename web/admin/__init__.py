"""Account administration (発行管理・失効管理) for システム管理者."""

from __future__ import annotations

from flask import Flask

from web.navigation import add_nav_entry


def init_app(app: Flask) -> None:
    from web.admin import views

    app.register_blueprint(views.bp)
    add_nav_entry(app, "職員アカウント管理", "admin.staff_list", order=80)
    add_nav_entry(app, "未使用アカウントの点検", "admin.review", order=81)
    add_nav_entry(app, "部署", "admin.departments", order=82)
