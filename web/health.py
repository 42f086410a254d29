"""GET /healthz (up: version and whether the database answers) and GET /healthz/ready
(ready for traffic: database reachable, schema at the newest migration, a workflow worker
alive), for a load balancer."""

from __future__ import annotations

from datetime import timedelta

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

from models.worker_heartbeat import latest_beat
from web.cli.db import alembic_config
from web.clock import now as clock_now
from web.db import database
from web.security import public

bp = Blueprint("health", __name__)

# A worker beats on every pass (5 s by default); a pass may take a while under load.
HEARTBEAT_MAX_AGE = timedelta(seconds=120)


@bp.get("/healthz")
@public
def healthz():
    db = database()
    body = {"status": "ok", "version": current_app.config["SESSHU_VERSION"]}
    try:
        db.ping()
    except SQLAlchemyError as exc:
        current_app.logger.warning("health check: database unreachable: %s", type(exc).__name__)
        body["status"] = "unavailable"
        body["database"] = {"status": "unreachable", "dialect": db.dialect,
                            "message": "データベースに接続できません。"}
        return jsonify(body), 503
    body["database"] = {"status": "ok", "dialect": db.dialect}
    return jsonify(body), 200


def _head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


@bp.get("/healthz/ready")
@public
def ready():
    problems: list[dict[str, str]] = []
    db = database()
    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
        if current != _head_revisions():
            problems.append({"check": "migrations",
                             "message": "データベースのスキーマが最新ではありません（db upgrade が必要です）。"})
        else:
            with db.Session() as session:
                beat_at = latest_beat(session)
            if beat_at is None or clock_now() - beat_at > HEARTBEAT_MAX_AGE:
                problems.append({"check": "worker",
                                 "message": "ワークフローワーカーの稼働が確認できません。"})
    except SQLAlchemyError as exc:
        current_app.logger.warning("readiness check: database unreachable: %s", type(exc).__name__)
        problems.append({"check": "database", "message": "データベースに接続できません。"})
    if problems:
        return jsonify({"status": "not_ready", "problems": problems}), 503
    return jsonify({"status": "ready", "version": current_app.config["SESSHU_VERSION"]}), 200
