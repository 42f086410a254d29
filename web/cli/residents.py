"""`flask --app wsgi residents import FILE --full|--delta`: the daily 住基連携."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from handlers.csv_source import ENCODINGS
from handlers.registry_import.importer import import_registry, summarise
from web.cli.file_imports import echo_resumption, importing
from web.db import database


@click.group("residents", help="住民（住民基本台帳との連携）")
def group() -> None:
    pass


@group.command("import", help="住基連携ファイル（CSV）を取り込む。中断した取込は同じファイルで再実行すると続きから再開する。")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--full", "mode", flag_value="full", help="全件ファイル（記載のない住民は転出扱い）")
@click.option("--delta", "mode", flag_value="delta", help="異動分ファイル")
@click.option("--encoding", type=click.Choice(ENCODINGS), help="文字コード（省略時は自動判定）")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path),
              help="エラー行の出力先（省略時は FILE.rejects.csv）")
@click.option("--batch-size", default=5000, show_default=True, type=click.IntRange(min=1),
              help="1回のコミットで処理する行数")
@click.option("--max-missing-ratio", default=0.05, show_default=True,
              type=click.FloatRange(0, 1),
              help="全件ファイル: 記載のない住民がこの割合を超えたら転出扱いにしない")
@with_appcontext
def import_(file: Path, mode: str | None, encoding: str | None, rejects: Path | None,
            batch_size: int, max_missing_ratio: float) -> None:
    if mode is None:
        raise click.UsageError("--full（全件）か --delta（異動分）を指定してください。")
    with importing(file, encoding) as (source, progress):
        report = import_registry(
            database(), source, mode=mode, batch_size=batch_size,
            reject_path=rejects, progress=progress, max_missing_ratio=max_missing_ratio, owns_process=True,
        )
    echo_resumption(report.resumed_after_line)
    if report.imported_before:
        click.echo("このファイルは取込済みです。差分のみ反映しました。")
    for line in summarise(report):
        click.echo(line)
