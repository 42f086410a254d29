"""`flask --app wsgi exchange …`: 中間サーバ work a worker or cron runs (the workflow
worker already runs `deliver` and `purge` on every pass)."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from models.base import utcnow
from web.db import database
from web.exchange import jobs
from web.exchange.settings import exchange_settings


@click.group("exchange", help="中間サーバ連携の手続")
def group() -> None:
    pass


@group.command("deliver", help="送信待ち・送信失敗の電文を中間サーバへ送る。")
@with_appcontext
def deliver() -> None:
    done = jobs.deliver_pending(database(), exchange_settings(), utcnow)
    click.echo(f"{done} 件を送信しました。")


@group.command("purge", help="保存期間を過ぎた照会結果を削除する（削除ごとにアクセスログを記録）。")
@with_appcontext
def purge() -> None:
    done = jobs.purge_results(database(), utcnow)
    click.echo(f"照会結果 {done} 件を削除しました。")


@group.command("propose-transfer-in",
               help="最近の転入者（定期接種の対象年齢）に接種履歴照会の案件を開く。住基の取込後に実行する。")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="この日以降の転入を対象にする（既定: 90日前から）")
@with_appcontext
def propose_transfer_in(since) -> None:
    moved_in_since: date | None = since.date() if since else None
    opened = jobs.propose_transfer_in(database(), utcnow, moved_in_since=moved_in_since)
    click.echo(f"{len(opened)} 件の照会案件を開きました。")
    for case_no in opened:
        click.echo(f"  {case_no}")
