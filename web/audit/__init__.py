"""Audit screens (監査) for 監査担当."""

from __future__ import annotations

from flask import Flask

from web.navigation import add_nav_entry


def init_app(app: Flask) -> None:
    from web.audit import views

    app.register_blueprint(views.bp)
    add_nav_entry(app, "アクセスログ", "audit.access_log", order=70)
    add_nav_entry(app, "ログイン・操作ログ", "audit.security_log", order=71)
    add_nav_entry(app, "ログの改ざん検査", "audit.integrity", order=72)
