"""`flask --app wsgi demo …`: the demo city, for trying Sesshu out and for benchmarks."""

from __future__ import annotations

import codecs
from pathlib import Path

import click
import pyotp
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect, select
from sqlalchemy.exc import OperationalError

from models import Base, Staff
from models.demo.people import generate_people
from models.demo.registry_file import write_registry_csv
from models.demo.seed import DEMO_ACCOUNTS, DEMO_PASSWORD, is_empty, seed_demo
from web.db import database

GAIJI_SUBSTITUTES = {"𠮷": "吉"}


def _gaiji_substitute(error: UnicodeEncodeError) -> tuple[str, int]:
    text = error.object[error.start:error.end]
    return "".join(GAIJI_SUBSTITUTES.get(ch, "〓") for ch in text), error.end


codecs.register_error("sesshu-gaiji", _gaiji_substitute)


@click.group("demo", help="デモ用の架空データ")
def group() -> None:
    pass


@group.command("seed", help="空のデータベースに架空の職員・住民・接種記録を登録する。")
@click.option("--residents", default=2000, show_default=True, help="住民の人数")
@click.option("--seed", default=1, show_default=True, help="乱数の種（同じ種なら同じデータ）")
@click.option("--force", is_flag=True, help="既存のデータを全て削除してから登録する")
@click.option("--if-empty", is_flag=True, help="データがあれば何もせず終了する")
@with_appcontext
def seed(residents: int, seed: int, force: bool, if_empty: bool) -> None:
    if current_app.config["SESSHU"].is_production:
        raise click.ClickException("本番環境ではデモデータを登録できません。")
    db = database()
    try:
        missing = set(Base.metadata.tables) - set(inspect(db.engine).get_table_names())
    except OperationalError as exc:
        raise click.ClickException("データベースに接続できません。") from exc
    if missing:
        raise click.ClickException(
            "スキーマがありません。先に `flask --app wsgi db upgrade` を実行してください。"
        )
    with db.transaction() as session:
        if not is_empty(session):
            if if_empty:
                click.echo("データが既にあるため、デモデータは登録しませんでした。")
                return
            if not force:
                raise click.ClickException(
                    "データベースが空ではありません。全て削除して登録し直す場合は --force を付けてください。"
                )
            for table in reversed(Base.metadata.sorted_tables):
                session.execute(table.delete())
        report = seed_demo(session, residents=residents, seed=seed)
    click.echo(
        f"デモデータを登録しました: 職員 {report.staff} 名、住民 {report.residents} 名、"
        f"接種記録 {report.vaccinations} 件。"
    )
    click.echo(f"ログイン ID: {', '.join(a.login_id for a in DEMO_ACCOUNTS)}")
    click.echo(f"パスワード（全員共通・デモ専用）: {DEMO_PASSWORD}")


@group.command("residents", help="住基連携ファイル（CSV）を架空の住民で作る。")
@click.option("--count", required=True, type=click.IntRange(min=1), help="人数")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--seed", default=1, show_default=True)
@click.option("--encoding", type=click.Choice(["utf-8", "cp932"]), default="utf-8",
              show_default=True)
def residents(count: int, out: Path, seed: int, encoding: str) -> None:
    # CP932 lacks some 外字 (e.g. 𠮷): write the 代用漢字 registry systems use, else 〓.
    errors = "sesshu-gaiji" if encoding == "cp932" else "strict"
    with out.open("w", encoding=encoding, errors=errors, newline="") as handle:
        rows = write_registry_csv(generate_people(count, seed=seed), handle)
    click.echo(f"{out} に {rows} 人分を書き出しました。")


@group.command("otp", help="デモ職員の現在の確認コード（TOTP）を表示する（開発環境のみ）。")
@click.argument("login_id")
@with_appcontext
def otp(login_id: str) -> None:
    if current_app.config["SESSHU"].env != "development":
        raise click.ClickException("確認コードの表示は開発環境（SESSHU_ENV=development）でのみ使えます。")
    if login_id not in {a.login_id for a in DEMO_ACCOUNTS}:
        raise click.ClickException(f"{login_id} はデモ職員ではありません。")
    with database().Session() as session:
        staff = session.scalars(select(Staff).where(Staff.login_id == login_id)).first()
    if staff is None or not staff.totp_secret:
        raise click.ClickException(
            f"{login_id} は登録されていないか、二要素認証が未登録です。"
            "`flask --app wsgi demo seed` を実行してください。"
        )
    click.echo(pyotp.TOTP(staff.totp_secret).now())
