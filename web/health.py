"""GET /healthz: the app's version and whether its database answers."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

from web.db import database
from web.security import public

bp = Blueprint("health", __name__)


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
