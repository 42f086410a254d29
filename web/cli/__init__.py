"""`flask --app wsgi …` command groups."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from web.cli import db, demo
    from web.cli import intermediary as intermediary_cli

    app.cli.add_command(db.group)
    app.cli.add_command(demo.group)
    app.cli.add_command(intermediary_cli.group)
