"""Login (ID + password, then TOTP), first-login TOTP enrolment, logout, password change."""

from __future__ import annotations

import secrets

import segno
from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask_login import login_user, logout_user
from markupsafe import Markup
from sqlalchemy import select

from models import totp
from models.credentials import PasswordPolicyError, hash_password, verify_password
from models.security_event import SecurityEventKind, record_event
from models.staff import Staff
from models.staff_session import SessionEnd, open_session
from web import clock
from web.auth.attempts import (
    burn_password_check,
    hold_account,
    is_locked,
    refusal_message,
    register_failure,
    reset_failures,
)
from web.auth.current import (
    PENDING_KEY,
    LoggedIn,
    actor_of,
    current_session_record,
    current_staff,
    pending_login,
    start_pending_login,
    terminal,
)
from web.auth.forms import ChangePasswordForm, CodeForm, LoginForm
from web.auth.settings import security_settings
from web.db import session as db_session
from web.security import login_only, login_step, public, safe_next

bp = Blueprint("auth", __name__)

ENROL_KEY = "enrol_nonce"


def _enrolment_secret(staff: Staff) -> str:
    """The candidate TOTP secret of this enrolment, stored nowhere until confirmed.

    The cookie holds only a random nonce; the secret is derived from it with the
    server's key, so neither the cookie nor the key alone reveals it.
    """
    nonce = cookie_session.get(ENROL_KEY)
    if not nonce:
        nonce = cookie_session[ENROL_KEY] = secrets.token_urlsafe(16)
    return totp.derive_secret(current_app.secret_key, f"{staff.id}:{nonce}")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_staff() is not None:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)

    db = db_session()
    now = clock.now()
    settings = security_settings()
    login_id = form.login_id.data.strip()
    password = form.password.data
    staff = db.scalars(select(Staff).where(Staff.login_id == login_id)).first()
    if staff is not None:
        hold_account(db, staff)
    if staff is None:
        burn_password_check(password)
        record_event(db, SecurityEventKind.LOGIN_FAILED, actor=actor_of(None),
                     detail="登録されていない職員ID", now=now)
    elif not staff.active:
        burn_password_check(password)
        record_event(db, SecurityEventKind.LOGIN_FAILED, actor=actor_of(staff),
                     subject_id=staff.id, subject_login_id=staff.login_id,
                     detail="失効したアカウント", now=now)
    elif is_locked(staff, now):
        burn_password_check(password)
        record_event(db, SecurityEventKind.LOGIN_FAILED, actor=actor_of(staff),
                     subject_id=staff.id, subject_login_id=staff.login_id,
                     detail="ロック中のアカウント", now=now)
    elif not verify_password(staff.password_hash, password):
        register_failure(db, staff, SecurityEventKind.LOGIN_FAILED, now, settings)
    else:
        db.commit()
        cookie_session.clear()
        start_pending_login(staff, now, safe_next(request.args.get("next")))
        return redirect(url_for("auth.code" if staff.totp_secret else "auth.enrol"))
    db.commit()
    flash(refusal_message(settings), "error")
    return render_template("auth/login.html", form=form), 401


def _pending_staff() -> Staff | None:
    pending = pending_login()
    if pending is None:
        return None
    staff = db_session().get(Staff, pending["staff_id"])
    if staff is None or not staff.active:
        return None
    return staff


def _complete_login(staff: Staff) -> None:
    """Second factor passed: open the server-side session and start a fresh cookie."""
    db = db_session()
    now = clock.now()
    next_url = (pending_login() or {}).get("next")
    reset_failures(staff)
    staff.last_login_at = now
    token, record = open_session(db, staff, now, terminal())
    record_event(db, SecurityEventKind.LOGIN, actor=actor_of(staff), subject_id=staff.id,
                 subject_login_id=staff.login_id, now=now)
    db.commit()
    cookie_session.clear()  # a new session: nothing from before login carries over
    login_user(LoggedIn(record, token))
    g.after_login = next_url


def _after_login_url() -> str:
    return g.pop("after_login", None) or url_for("home.index")


@bp.route("/login/code", methods=["GET", "POST"])
@login_step
def code():
    staff = _pending_staff()
    if staff is None:
        return redirect(url_for("auth.login"))
    if not staff.totp_secret:
        return redirect(url_for("auth.enrol"))
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("auth/totp.html", form=form)

    db = db_session()
    hold_account(db, staff)
    now = clock.now()
    settings = security_settings()
    code = form.code.data
    if is_locked(staff, now):
        record_event(db, SecurityEventKind.TOTP_FAILED, actor=actor_of(staff),
                     subject_id=staff.id, subject_login_id=staff.login_id,
                     detail="ロック中のアカウント", now=now)
    elif totp.verify_totp(staff, code, now):
        _complete_login(staff)
        return redirect(_after_login_url())
    elif totp.use_recovery_code(db, staff, code, now):
        record_event(db, SecurityEventKind.RECOVERY_CODE_USED, actor=actor_of(staff),
                     subject_id=staff.id, subject_login_id=staff.login_id, now=now)
        _complete_login(staff)
        left = totp.remaining_recovery_codes(db, staff)
        flash(f"回復コードでログインしました。残りの回復コードは{left}個です。"
              "端末を紛失した場合はシステム管理者に二要素認証の再登録を依頼してください。", "error")
        return redirect(_after_login_url())
    elif register_failure(db, staff, SecurityEventKind.TOTP_FAILED, now, settings):
        db.commit()
        cookie_session.pop(PENDING_KEY, None)
        flash(refusal_message(settings), "error")
        return redirect(url_for("auth.login"))
    db.commit()
    flash("確認コードが正しくないか、既に使用されたコードです。認証アプリの新しいコードを入力してください。",
          "error")
    return render_template("auth/totp.html", form=form), 401


@bp.route("/login/enrol", methods=["GET", "POST"])
@login_step
def enrol():
    staff = _pending_staff()
    if staff is None:
        return redirect(url_for("auth.login"))
    if staff.totp_secret:
        return redirect(url_for("auth.code"))
    secret = _enrolment_secret(staff)
    form = CodeForm()
    if form.validate_on_submit():
        db = db_session()
        now = clock.now()
        step = totp.matching_step(secret, form.code.data, now, None)
        if step is not None:
            staff.totp_secret = secret
            staff.totp_last_step = step
            codes = totp.issue_recovery_codes(db, staff)
            record_event(db, SecurityEventKind.TOTP_ENROLLED, actor=actor_of(staff),
                         subject_id=staff.id, subject_login_id=staff.login_id, now=now)
            _complete_login(staff)
            return render_template("auth/recovery_codes.html", codes=codes,
                                   next_url=_after_login_url())
        flash("確認コードが一致しません。認証アプリに表示されている6桁のコードを入力してください。",
              "error")
    uri = totp.provisioning_uri(secret, staff.login_id)
    qr = Markup(segno.make(uri, error="m").svg_inline(scale=5, border=2))  # noqa: S704 - segno's own SVG
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return render_template("auth/enrol.html", form=form, qr=qr, secret=grouped,
                           login_id=staff.login_id)


@bp.post("/logout")
@login_only
def logout():
    staff = current_staff()
    record = current_session_record()
    db = db_session()
    now = clock.now()
    if record is not None:
        record.ended_at = now
        record.end_reason = SessionEnd.LOGOUT
    record_event(db, SecurityEventKind.LOGOUT, actor=actor_of(staff), subject_id=staff.id,
                 subject_login_id=staff.login_id, now=now)
    db.commit()
    logout_user()
    cookie_session.clear()
    flash("ログアウトしました。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_only
def change_password():
    staff = current_staff()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        db = db_session()
        if not verify_password(staff.password_hash, form.current_password.data):
            form.current_password.errors.append("現在のパスワードが正しくありません。")
        elif form.new_password.data == form.current_password.data:
            form.new_password.errors.append("現在と異なるパスワードにしてください。")
        else:
            try:
                staff.password_hash = hash_password(form.new_password.data)
            except PasswordPolicyError as exc:
                form.new_password.errors.append(str(exc))
            else:
                staff.must_change_password = False
                record_event(db, SecurityEventKind.PASSWORD_CHANGED, actor=actor_of(staff),
                             subject_id=staff.id, subject_login_id=staff.login_id,
                             now=clock.now())
                db.commit()
                flash("パスワードを変更しました。", "info")
                return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form,
                           required=staff.must_change_password)
