"""GET/POST /status: the claimant enters 受付番号 and access code and sees the stages of
the claim reached so far — and nothing else (no name, amounts or medical data)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from handlers.relief.status import TooManyAttempts, look_up
from web import clock
from web.db import session as db_session
from web.relief.forms import StatusForm
from web.relief.settings import relief_settings
from web.security import public

bp = Blueprint("relief_status", __name__)

NOT_FOUND = "受付番号またはアクセスコードが正しくありません。受付票をご確認のうえ、もう一度入力してください。"
TOO_MANY = "入力の回数が多すぎます。しばらく時間をおいてから、もう一度お試しください。"


@bp.route("/status", methods=["GET", "POST"])
@public
def index():
    form = StatusForm()
    status, message = None, None
    if form.validate_on_submit():
        session = db_session()
        try:
            status = look_up(session, form.receipt_no.data, form.code.data, request.remote_addr or "unknown",
                             clock.now(), relief_settings().limits)
        except TooManyAttempts:
            message = TOO_MANY
        else:
            message = None if status else NOT_FOUND
        session.commit()
    elif request.method == "POST":
        message = NOT_FOUND
    return render_template("relief/status.html", form=form, status=status, message=message), (
        429 if message == TOO_MANY else 200)
