"""`flask --app wsgi db upgrade|downgrade|current|revision`: Alembic wired into the flask CLI."""

from __future__ import annotations

import click
from alembic import command
from alembic.config import Config
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError

from web.config import PROJECT_ROOT
from web.db import database

MIGRATIONS = PROJECT_ROOT / "migrations"


def alembic_config(connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def run_migrations(action, *args, **kwargs) -> None:
    """Run an Alembic command on the app's own engine, in one transaction."""
    try:
        with database().engine.begin() as connection:
            action(alembic_config(connection), *args, **kwargs)
    except OperationalError as exc:
        raise click.ClickException(
            f"データベースに接続できません（{database().engine.url.render_as_string()}）: "
            f"{str(exc.orig).strip().splitlines()[0] if exc.orig else exc}"
        ) from exc


@click.group("db", help="データベースのスキーマ（Alembic マイグレーション）")
def group() -> None:
    pass


@group.command("upgrade", help="スキーマを最新（または指定リビジョン）にする。")
@click.argument("revision", default="head")
@with_appcontext
def upgrade(revision: str) -> None:
    run_migrations(command.upgrade, revision)
    click.echo(f"スキーマを {revision} に更新しました。")


@group.command("downgrade", help="スキーマを指定リビジョンに戻す。")
@click.argument("revision")
@with_appcontext
def downgrade(revision: str) -> None:
    run_migrations(command.downgrade, revision)
    click.echo(f"スキーマを {revision} に戻しました。")


@group.command("current", help="現在のリビジョンを表示する。")
@with_appcontext
def current() -> None:
    run_migrations(command.current)


@group.command("revision", help="モデルとの差分から新しいマイグレーションを作る（開発用）。")
@click.option("-m", "--message", required=True)
@with_appcontext
def revision(message: str) -> None:
    run_migrations(command.revision, message=message, autogenerate=True)
