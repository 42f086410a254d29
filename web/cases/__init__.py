"""Case screens (案件): the case page with its timeline and diagram, and the case search."""

from __future__ import annotations

from flask import Flask

from models.wareki import format_wareki
from web.navigation import add_nav_entry
from web.redaction import redact_text


def init_app(app: Flask) -> None:
    from web.cases import views

    app.register_blueprint(views.bp)
    app.add_template_filter(format_wareki, "wareki")
    app.add_template_filter(redact_text, "redact")
    add_nav_entry(app, "案件検索", "cases.search", order=20)
