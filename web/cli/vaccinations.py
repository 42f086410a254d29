"""`flask --app wsgi vaccinations import FILE`: clinics' vaccination records."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from handlers.csv_source import ENCODINGS
from handlers.vaccination_import import import_vaccinations
from web.cli.file_imports import echo_resumption, importing
from web.db import database


@click.group("vaccinations", help="接種記録")
def group() -> None:
    pass


@group.command("import", help="医療機関からの接種記録（CSV）を取り込む。中断した取込は同じファイルで再実行すると再開する。")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--encoding", type=click.Choice(ENCODINGS), help="文字コード（省略時は自動判定）")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path),
              help="エラー行の出力先（省略時は FILE.rejects.csv）")
@with_appcontext
def import_(file: Path, encoding: str | None, rejects: Path | None) -> None:
    with importing(file, encoding) as (source, progress):
        report = import_vaccinations(
            database(), source, reject_path=rejects, progress=progress,
            municipality_code=current_app.config["SESSHU"].municipality_code,
        )
    echo_resumption(report.resumed_after_line)
    if report.imported_before:
        click.echo("このファイルは取込済みです。")
    click.echo(f"取込結果: 登録 {report.inserted} 件、重複（登録済み） {report.duplicates} 件、"
               f"エラー {report.rejected} 件")
    if report.reject_file:
        click.echo(f"エラー行の一覧: {report.reject_file}")
