"""Staff authentication: ID + password + TOTP, server-side sessions, lockout.

Screens call `current_staff()` for the logged-in person and `actor_of()` /
`request_actor()` for the log's view of them.
"""

from __future__ import annotations

from flask import Flask

from web.auth.current import actor_of, current_staff, request_actor, terminal

__all__ = ["actor_of", "current_staff", "init_app", "request_actor", "terminal"]


def init_app(app: Flask) -> None:
    from web.auth import current, views
    from web.auth.housekeeping import session_record_job
    from workflows import timers

    current.init_app(app)
    app.register_blueprint(views.bp)
    timers.register_job("staff_sessions", session_record_job(app.config["SESSHU_SECURITY"].session_record_days))
