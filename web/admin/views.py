"""Account administration for システム管理者: issue, change permissions, disable, review."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy import select

from models import account_lifecycle as lifecycle
from models.credentials import PasswordPolicyError
from models.security_event import SecurityEvent
from models.staff import Department, Role, Staff
from web import clock
from web.admin.forms import (
    DepartmentForm,
    IssueForm,
    PermissionsForm,
    ReasonForm,
    ResetPasswordForm,
)
from web.auth.current import request_actor
from web.auth.settings import security_settings
from web.db import session as db_session
from web.security import roles

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _staff_or_404(staff_id: int) -> Staff:
    staff = db_session().get(Staff, staff_id)
    if staff is None:
        abort(404)
    return staff


def _department_choices() -> list[tuple[int, str]]:
    return [(d.id, d.name) for d in db_session().scalars(select(Department).order_by(Department.code))]


@bp.get("/staff")
@roles(Role.ADMIN)
def staff_list():
    accounts = db_session().scalars(
        select(Staff).order_by(Staff.active.desc(), Staff.login_id)
    ).all()
    return render_template("admin/staff_list.html", accounts=accounts)


@bp.route("/staff/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def issue():
    form = IssueForm()
    form.department_id.choices = _department_choices()
    if form.validate_on_submit():
        db = db_session()
        try:
            staff = lifecycle.issue_account(
                db, request_actor(), login_id=form.login_id.data, full_name=form.full_name.data,
                department_id=form.department_id.data,
                roles={Role(r) for r in form.roles.data},
                may_view_my_number=form.may_view_my_number.data,
                initial_password=form.initial_password.data, reason=form.reason.data,
                now=clock.now(),
            )
        except (lifecycle.AccountError, PasswordPolicyError) as exc:
            db.rollback()
            flash(str(exc), "error")
        else:
            db.commit()
            flash(f"アカウント {staff.login_id}（{staff.full_name}）を発行しました。"
                  "仮パスワードを本人に伝えてください。初回ログイン時に変更と二要素認証の登録が求められます。",
                  "info")
            return redirect(url_for("admin.staff_detail", staff_id=staff.id))
    return render_template("admin/issue.html", form=form)


@bp.get("/staff/<int:staff_id>")
@roles(Role.ADMIN)
def staff_detail(staff_id: int):
    staff = _staff_or_404(staff_id)
    permissions = PermissionsForm(
        data={"roles": [r.value for r in staff.roles],
              "may_view_my_number": staff.may_view_my_number},
    )
    history = db_session().scalars(
        select(SecurityEvent).where(SecurityEvent.subject_id == staff.id)
        .order_by(SecurityEvent.id.desc()).limit(50)
    ).all()
    return render_template(
        "admin/staff_detail.html", staff=staff, permissions=permissions,
        reason_form=ReasonForm(), password_form=ResetPasswordForm(), history=history,
        now=clock.now(),
    )


def _apply(staff: Staff, action, message: str, **kwargs):
    db = db_session()
    try:
        action(db, request_actor(), staff, now=clock.now(), **kwargs)
    except (lifecycle.AccountError, PasswordPolicyError) as exc:
        db.rollback()
        flash(str(exc), "error")
    else:
        db.commit()
        flash(message, "info")
    return redirect(url_for("admin.staff_detail", staff_id=staff.id))


def _invalid(form) -> object:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")
    return None


@bp.post("/staff/<int:staff_id>/permissions")
@roles(Role.ADMIN)
def permissions(staff_id: int):
    staff = _staff_or_404(staff_id)
    form = PermissionsForm()
    if not form.validate_on_submit():
        _invalid(form)
        return redirect(url_for("admin.staff_detail", staff_id=staff.id))
    return _apply(staff, lifecycle.change_permissions, "権限を更新しました。",
                  roles={Role(r) for r in form.roles.data},
                  may_view_my_number=form.may_view_my_number.data, reason=form.reason.data)


@bp.post("/staff/<int:staff_id>/disable")
@roles(Role.ADMIN)
def disable(staff_id: int):
    staff = _staff_or_404(staff_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        _invalid(form)
        return redirect(url_for("admin.staff_detail", staff_id=staff.id))
    return _apply(staff, lifecycle.disable_account,
                  "アカウントを失効しました。ログイン中のセッションも終了しました。",
                  reason=form.reason.data)


@bp.post("/staff/<int:staff_id>/enable")
@roles(Role.ADMIN)
def enable(staff_id: int):
    staff = _staff_or_404(staff_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        _invalid(form)
        return redirect(url_for("admin.staff_detail", staff_id=staff.id))
    return _apply(staff, lifecycle.enable_account, "アカウントを再び有効にしました。",
                  reason=form.reason.data)


@bp.post("/staff/<int:staff_id>/reset-password")
@roles(Role.ADMIN)
def reset_password(staff_id: int):
    staff = _staff_or_404(staff_id)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        _invalid(form)
        return redirect(url_for("admin.staff_detail", staff_id=staff.id))
    return _apply(staff, lifecycle.reset_password,
                  "仮パスワードを設定しました。次回ログイン時に本人が変更します。",
                  new_password=form.new_password.data, reason=form.reason.data)


@bp.post("/staff/<int:staff_id>/reset-totp")
@roles(Role.ADMIN)
def reset_totp(staff_id: int):
    staff = _staff_or_404(staff_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        _invalid(form)
        return redirect(url_for("admin.staff_detail", staff_id=staff.id))
    return _apply(staff, lifecycle.reset_totp,
                  "二要素認証を解除しました。次回ログイン時に本人が再登録します。",
                  reason=form.reason.data)


@bp.get("/review")
@roles(Role.ADMIN)
def review():
    days = security_settings().unused_account_days
    accounts = lifecycle.unused_accounts(db_session(), clock.now(), days)
    return render_template("admin/review.html", accounts=accounts, days=days)


@bp.route("/departments", methods=["GET", "POST"])
@roles(Role.ADMIN)
def departments():
    form = DepartmentForm()
    db = db_session()
    if form.validate_on_submit():
        try:
            department = lifecycle.create_department(
                db, request_actor(), code=form.code.data, name=form.name.data,
                reason=form.reason.data, now=clock.now(),
            )
        except lifecycle.AccountError as exc:
            db.rollback()
            flash(str(exc), "error")
        else:
            db.commit()
            flash(f"部署「{department.name}」を登録しました。", "info")
            return redirect(url_for("admin.departments"))
    rows = db.scalars(select(Department).order_by(Department.code)).all()
    return render_template("admin/departments.html", form=form, departments=rows)
