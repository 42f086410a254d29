"""Resident screens (住民): search, the resident page and vaccination record entry/correction."""

from __future__ import annotations

from flask import Flask

from web.navigation import add_nav_entry


def init_app(app: Flask) -> None:
    from web.residents import vaccinations, views  # noqa: F401 - routes on views.bp

    app.register_blueprint(views.bp)
    add_nav_entry(app, "住民検索", "residents.search", order=20)
