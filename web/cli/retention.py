"""`flask --app wsgi retention report`: vaccination records past the legal retention minimum."""

from __future__ import annotations

import csv
import getpass
import socket
import sys
from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext

from handlers.retention import (
    LEGAL_MINIMUM_YEARS,
    PurgeRefused,
    purge,
    records_past_retention,
    retention_cutoff,
)
from models.access_log import AccessAction, Actor, record_access
from web import clock
from web.db import database

HEADER = ("接種記録ID", "宛名番号", "氏名", "状態", "転出日・死亡日", "接種日", "接種回数", "ワクチン名")


@click.group("retention", help="接種記録の保存期間")
def group() -> None:
    pass


@group.command("report", help="保存期間（接種から5年、予防接種法施行規則第3条）を過ぎた、"
                              "転出・死亡した人の接種記録を一覧にする。削除はしない。")
@click.option("--years", default=LEGAL_MINIMUM_YEARS, show_default=True,
              type=click.IntRange(min=LEGAL_MINIMUM_YEARS),
              envvar="SESSHU_VACCINATION_RETENTION_YEARS", help="保存年数（法定の5年以上）")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="基準日（省略時は今日）")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV の出力先（省略時は画面に表示）")
@with_appcontext
def report(years: int, as_of, out: Path | None) -> None:
    today = as_of.date() if as_of else date.today()
    handle = out.open("w", encoding="utf-8-sig", newline="") if out else sys.stdout
    count = 0
    people: set[str] = set()
    try:
        writer = csv.writer(handle, lineterminator="\r\n" if out else "\n")
        writer.writerow(HEADER)
        with database().transaction() as session:
            for item in records_past_retention(session, today=today, years=years):
                writer.writerow((item.record_id, item.atena_no, item.name, item.status,
                                 item.left_on or "", item.vaccinated_on, item.dose_number,
                                 item.product))
                count += 1
                people.add(item.atena_no)
            # One row per person listed: the report shows their records.
            action = AccessAction.EXPORT if out else AccessAction.VIEW
            for atena_no in sorted(people):
                record_access(session, _cli_actor("retention report"), action, atena_no=atena_no,
                              reason="保存期間経過記録の確認",
                              detail=f"保存期間経過記録一覧（基準日 {today}、保存年数 {years} 年）")
    finally:
        if out:
            handle.close()
    click.echo(f"{retention_cutoff(today, years)} より前の接種で、転出・死亡した人の接種記録: "
               f"{count} 件（基準日 {today}、保存年数 {years} 年）", err=bool(not out))
    if out:
        click.echo(f"一覧: {out}")


def _cli_actor(command: str) -> Actor:
    user = getpass.getuser()
    return Actor(None, f"{user}（flask {command}）", None, f"{socket.gethostname()} CLI")


@group.command("purge", help="監督者が承認した削除申請の接種記録を削除する（申請ごとに1回限り）。"
                             "申請後に変わった記録は削除せず報告する。")
@click.option("--request", "request_id", required=True, type=int, help="削除申請の番号")
@with_appcontext
def purge_command(request_id: int) -> None:
    try:
        with database().transaction() as session:
            result = purge(session, request_id, _cli_actor("retention purge"), clock.now())
    except PurgeRefused as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"削除申請 {request_id}: 接種記録 {result.deleted} 件を削除しました。")
    if result.skipped:
        shown = "、".join(str(i) for i in result.skipped[:50])
        more = " ほか" if len(result.skipped) > 50 else ""
        click.echo(f"申請後に変更・削除された、または証明書・救済請求が参照している {len(result.skipped)} 件は"
                   f"削除していません（接種記録ID: {shown}{more}）。")
