"""`flask --app wsgi …` command groups."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from web.cli import audit, db, demo, intermediary, staff

    app.cli.add_command(db.group)
    app.cli.add_command(demo.group)
    app.cli.add_command(audit.group)
    app.cli.add_command(staff.group)
    app.cli.add_command(intermediary.group)
