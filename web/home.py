"""The landing page after login: what this person's roles let them do."""

from __future__ import annotations

from flask import Blueprint, render_template

from web.security import login_only

bp = Blueprint("home", __name__)


@bp.get("/")
@login_only
def index():
    return render_template("home.html")
