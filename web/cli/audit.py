"""`flask --app wsgi audit verify|purge`: checking and pruning the tamper-evident logs."""

from __future__ import annotations

import getpass
from datetime import date, datetime

import click
from flask.cli import with_appcontext

from models import hash_chain
from models.access_log import ACCESS_LOG_CHAIN
from models.security_event import SECURITY_EVENT_CHAIN, SecurityEventKind, record_event
from web.db import database
from web.timefmt import jst_day_start

CHAINS = {
    ACCESS_LOG_CHAIN.name: (ACCESS_LOG_CHAIN, "アクセスログ"),
    SECURITY_EVENT_CHAIN.name: (SECURITY_EVENT_CHAIN, "ログイン・操作ログ"),
}
RETENTION_YEARS = 7


@click.group("audit", help="アクセスログ・操作ログの検査と保存期間経過分の削除")
def group() -> None:
    pass


@group.command("verify", help="ログのハッシュチェーンを検査し、改ざん・削除があれば最初の行を示す。")
@with_appcontext
def verify() -> None:
    broken = False
    for spec, label in CHAINS.values():
        with database().Session() as session:
            checked, failure = hash_chain.verify(session, spec)
        if failure is None:
            click.echo(f"{label}: {checked} 行を検査しました。改ざんは見つかりませんでした。")
        else:
            broken = True
            click.echo(f"{label}: {failure.message}（{checked} 行目まで正常）", err=True)
    if broken:
        raise SystemExit(1)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "不明"


def _retention_limit(today: date) -> date:
    try:
        return today.replace(year=today.year - RETENTION_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year - RETENTION_YEARS, day=28)


@group.command("purge", help="指定日より前（日本時間）の記録を削除する。7年の保存期間内の日付は指定できない。")
@click.option("--before", "before", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="この日（YYYY-MM-DD）より前の記録を削除する")
@click.option("--yes", is_flag=True, help="確認せずに実行する")
@with_appcontext
def purge(before: datetime, yes: bool) -> None:
    day = before.date()
    limit = _retention_limit(datetime.now(jst_day_start(day).tzinfo).date())
    if day > limit:
        raise click.ClickException(
            f"保存期間（{RETENTION_YEARS}年）内の記録は削除できません。{limit.isoformat()} 以前の日付を指定してください。"
        )
    if not yes:
        click.confirm(f"{day.isoformat()} より前の記録を削除します。よろしいですか？", abort=True)
    cutoff = jst_day_start(day)
    with database().transaction() as session:
        counts = {name: hash_chain.purge_before(session, spec, cutoff)
                  for name, (spec, _label) in CHAINS.items()}
        record_event(
            session, SecurityEventKind.LOG_PURGED,
            terminal=f"flask audit purge（OSユーザー: {_os_user()}）",
            detail=f"{day.isoformat()} より前を削除: アクセスログ {counts['access_log']} 行、"
                   f"ログイン・操作ログ {counts['security_event']} 行",
        )
    for name, (_spec, label) in CHAINS.items():
        click.echo(f"{label}: {counts[name]} 行を削除しました。")
