"""Loading the JavaScript files of web/static from templates under the CSP.

Templates write `{{ script_tag("inbox.js") }}`: an external, deferred script from this
site, never inline code (the Content-Security-Policy allows only 'self').
"""

from __future__ import annotations

from flask import Flask, url_for
from markupsafe import Markup, escape


def script_tag(filename: str) -> Markup:
    src = escape(url_for("static", filename=filename))
    return Markup(f'<script src="{src}" defer></script>')  # noqa: S704 - the URL is escaped


def init_app(app: Flask) -> None:
    app.add_template_global(script_tag, "script_tag")
