"""業務フロー管理: process owners edit, validate, publish, compare and migrate BPMN processes.

SESSHU_PUBLISH_NEEDS_APPROVAL  `0` publishes a request at once; by default a second
                               process owner (業務管理者) must approve it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from flask import Flask

from models.process_change import PublicationStatus
from web.navigation import add_nav_entry

APPROVAL_KEY = "SESSHU_PUBLISH_NEEDS_APPROVAL"


def needs_approval(environ: Mapping[str, str] | None) -> bool:
    value = (os.environ if environ is None else environ).get(APPROVAL_KEY, "1").strip().lower()
    return value not in ("0", "false", "no", "off")


def init_app(app: Flask, environ: Mapping[str, str] | None = None) -> None:
    from web.processes import views

    app.config[APPROVAL_KEY] = needs_approval(environ)
    app.register_blueprint(views.bp)
    app.add_template_filter(lambda status: PublicationStatus(status).label, "publication_label")
    add_nav_entry(app, "業務フロー管理", "processes.index", order=60)
