"""健康被害救済 screens: the examiners' claims list and claim page (blueprint `relief`), the
rate table for admins, and the claimants' public status page (blueprint `relief_status`)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from models.wareki import format_wareki
from web.navigation import add_nav_entry
from web.relief.settings import KEY, load_relief_settings


def init_app(app: Flask, environ: Mapping[str, str] | None = None) -> None:
    app.config[KEY] = load_relief_settings(environ)
    app.add_template_filter(format_wareki, "wareki_date")
    from web.forms import relief as task_forms  # noqa: F401  (registers the process's task forms)
    from web.relief import rates, status, views

    app.register_blueprint(views.bp)
    app.register_blueprint(rates.bp)
    app.register_blueprint(status.bp)
    add_nav_entry(app, "救済請求", "relief.index", order=30)
    add_nav_entry(app, "救済給付額表", "relief_rates.index", order=85)
