"""`flask --app wsgi staff create-admin`: the first システム管理者 of a new installation.

Every later account is issued on the admin screens; this command refuses to run
while an active admin exists.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from models.access_log import Actor
from models.account_lifecycle import AccountError, issue_account
from models.base import utcnow
from models.credentials import PasswordPolicyError
from models.staff import Department, Role, Staff, StaffRole
from web.db import database


@click.group("staff", help="職員アカウント（初期管理者の登録）")
def group() -> None:
    pass


@group.command("create-admin", help="最初のシステム管理者アカウントを発行する（管理者がいない場合のみ）。")
@click.option("--login-id", required=True, help="職員ID")
@click.option("--name", "full_name", required=True, help="氏名")
@click.option("--department-code", required=True, help="部署コード（なければ作成）")
@click.option("--department-name", help="部署名（部署を作成する場合）")
@click.password_option("--password", prompt="パスワード", confirmation_prompt="パスワード（確認）",
                       help="12文字以上")
@with_appcontext
def create_admin(login_id: str, full_name: str, department_code: str,
                 department_name: str | None, password: str) -> None:
    with database().transaction() as session:
        admins = session.scalars(
            select(Staff.id).join(StaffRole).where(
                Staff.active.is_(True), StaffRole.role == Role.ADMIN.value)
        ).first()
        if admins is not None:
            raise click.ClickException(
                "有効なシステム管理者が既にいます。アカウントは管理画面から発行してください。")
        department = session.scalars(
            select(Department).where(Department.code == department_code)).first()
        if department is None:
            if not department_name:
                raise click.ClickException("新しい部署を作る場合は --department-name を指定してください。")
            department = Department(code=department_code, name=department_name)
            session.add(department)
            session.flush()
        try:
            staff = issue_account(
                session, Actor(None, None, None, "flask staff create-admin"),
                login_id=login_id, full_name=full_name, department_id=department.id,
                roles={Role.ADMIN}, may_view_my_number=False, initial_password=password,
                reason="初期管理者の登録", now=utcnow(),
            )
        except (AccountError, PasswordPolicyError) as exc:
            raise click.ClickException(str(exc)) from exc
        staff.must_change_password = False  # the person typed this password themselves
    click.echo(f"システム管理者 {login_id}（{full_name}）を登録しました。"
               "初回ログイン時に二要素認証を登録します。")
