"""Flask application factory: the web entry point of Sesshu."""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version

from flask import Flask

from handlers.intermediary.config import IntermediaryConfigError, load_intermediary_config
from models.db import Database
from web.auth.settings import load_security_settings
from web.certificate_settings import load_certificate_settings
from web.certificates_public import bp as certificates_public_bp
from web.config import ConfigError, Settings, load_settings
from web.proxies import trust_proxies

__all__ = ["ConfigError", "create_app"]


def app_version() -> str:
    try:
        return version("sesshu")
    except PackageNotFoundError:
        return "0+unknown"


def create_app(environ: Mapping[str, str] | None = None) -> Flask:
    """Build the app from the environment (or the mapping given, for tests)."""
    settings: Settings = load_settings(environ)
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSHU=settings,
        SESSHU_VERSION=app_version(),
        SESSHU_SECURITY=load_security_settings(environ),
    )
    app.json.ensure_ascii = False  # Japanese stays readable in JSON responses
    trust_proxies(app, os.environ if environ is None else environ)
    app.extensions["sesshu_db"] = Database(settings.database_url)
    try:
        app.extensions["sesshu_intermediary"] = load_intermediary_config(
            os.environ if environ is None else environ,
            settings.instance_path,
            municipality_code=settings.municipality_code,
            production=settings.is_production,
        )
    except IntermediaryConfigError as exc:
        raise ConfigError(str(exc)) from exc
    app.config["SESSHU_CERTIFICATE"] = load_certificate_settings(environ, settings)

    from web import (
        admin,
        audit,
        auth,
        cases,
        certificates,
        cli,
        dashboard,
        errors,
        exchange,
        exports,
        health,
        home,
        imports,
        inbox,
        jobs,
        masking,
        navigation,
        processes,
        relief,
        residents,
        retention,
        scripts,
        security,
        tasks,
        timefmt,
    )

    security.init_app(app)
    auth.init_app(app)
    masking.init_app(app)
    navigation.init_app(app)
    timefmt.init_app(app)
    scripts.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(certificates_public_bp)
    admin.init_app(app)
    audit.init_app(app)
    relief.init_app(app, environ)
    certificates.init_app(app)
    cases.init_app(app)
    dashboard.init_app(app)
    exchange.init_app(app, environ)
    processes.init_app(app, environ)
    residents.init_app(app)
    exports.init_app(app)
    retention.init_app(app)
    inbox.init_app(app)
    tasks.init_app(app)
    jobs.init_app(app)
    imports.init_app(app)
    errors.register(app)
    cli.register(app)
    app.teardown_appcontext(_close_request_session)
    return app


def _close_request_session(_exc: BaseException | None) -> None:
    from web.db import close_session

    close_session()
