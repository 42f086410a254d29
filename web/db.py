"""Access to the database from request handlers and CLI commands."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session

from models.db import Database


def database() -> Database:
    return current_app.extensions["sesshu_db"]


def session() -> Session:
    """The request's session; closed (and rolled back if uncommitted) at teardown."""
    if "db_session" not in g:
        g.db_session = database().Session()
    return g.db_session


def close_session() -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()
