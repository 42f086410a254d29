"""`flask --app wsgi …` command groups."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from web.cli import (
        audit,
        backup,
        db,
        demo,
        exchange,
        intermediary,
        processes,
        residents,
        retention,
        staff,
        vaccinations,
        workflows,
    )

    for command_group in (
        db, demo, audit, staff, processes, workflows, residents, vaccinations, retention,
        intermediary, exchange, backup,
    ):
        app.cli.add_command(command_group.group)
