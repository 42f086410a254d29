"""中間サーバ procedures on the web: the signed callback endpoint, staff screens, the
worker job (deliver prepared messages, delete expired query results) and commands."""

from __future__ import annotations

import os
from collections.abc import Mapping

from flask import Flask

from handlers.exchange import settings as handler_settings
from handlers.exchange.settings import ExchangeSettings
from handlers.intermediary import IntermediaryConfigError
from web.config import ConfigError
from web.exchange.settings import EXTENSION
from web.navigation import add_nav_entry
from workflows import timers


def init_app(app: Flask, environ: Mapping[str, str] | None) -> None:
    from web.exchange import callback, jobs, summary, views
    from web.forms.generic import discover as discover_forms

    discover_forms()  # the task forms the shipped processes name (web/forms/exchange.py)

    environ = os.environ if environ is None else environ
    try:
        wait_days = handler_settings.reply_wait_days(environ)
    except IntermediaryConfigError as exc:
        raise ConfigError(str(exc)) from exc
    certificate = app.config.get("SESSHU_CERTIFICATE")
    settings = ExchangeSettings(
        intermediary=app.extensions["sesshu_intermediary"],
        reply_wait_days=wait_days,
        issuer_name=getattr(certificate, "issuer_name", None) or "石川県金沢市",
    )
    app.extensions[EXTENSION] = settings
    handler_settings.configure(settings)
    timers.register_job("exchange", jobs.periodic_job(settings))
    app.register_blueprint(callback.bp)
    app.register_blueprint(views.bp)
    summary.register()
    add_nav_entry(app, "中間サーバ連携", "exchange.index", order=40)
    add_nav_entry(app, "情報提供等記録", "exchange.provisions", order=41)
