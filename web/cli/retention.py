"""`flask --app wsgi retention report`: vaccination records past the legal retention minimum."""

from __future__ import annotations

import csv
import sys
from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext

from handlers.retention import LEGAL_MINIMUM_YEARS, records_past_retention, retention_cutoff
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
    try:
        writer = csv.writer(handle, lineterminator="\r\n" if out else "\n")
        writer.writerow(HEADER)
        with database().transaction() as session:
            for item in records_past_retention(session, today=today, years=years):
                writer.writerow((item.record_id, item.atena_no, item.name, item.status,
                                 item.left_on or "", item.vaccinated_on, item.dose_number,
                                 item.product))
                count += 1
    finally:
        if out:
            handle.close()
    click.echo(f"{retention_cutoff(today, years)} より前の接種で、転出・死亡した人の接種記録: "
               f"{count} 件（基準日 {today}、保存年数 {years} 年）", err=bool(not out))
    if out:
        click.echo(f"一覧: {out}")
