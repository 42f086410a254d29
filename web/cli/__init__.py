"""`flask --app wsgi …` command groups."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from web.cli import db, demo, residents, retention, vaccinations

    app.cli.add_command(db.group)
    app.cli.add_command(demo.group)
    app.cli.add_command(residents.group)
    app.cli.add_command(vaccinations.group)
    app.cli.add_command(retention.group)
