"""`flask --app wsgi workflows tick|worker`: fire due timers and retry failed steps."""

from __future__ import annotations

import os
import signal
import socket

import click
from flask.cli import with_appcontext

from models.db import Database
from models.worker_heartbeat import beat
from web.db import database
from workflows import timers
from workflows.spiff import Clock


@click.group("workflows", help="ワークフローの期限・タイマー処理")
def group() -> None:
    pass


@group.command("tick", help="期限の来たタイマーと再実行を一度だけ処理する（cron 用）。")
@with_appcontext
def tick() -> None:
    # One row per host for cron passes: each run is a new process, and a pass every
    # minute keeps /healthz/ready satisfied just as a long-running worker does.
    timers.register_job("heartbeat", _heartbeat_job(f"{socket.gethostname()}:tick"))
    report = timers.tick(database())
    click.echo(f"タイマー {report.timers} 件、再実行 {report.retries} 件を処理しました。")
    for name, done in report.jobs.items():
        click.echo(f"  {name}: {done} 件")
    for failure in report.failures:
        click.echo(f"  未処理: {failure}")


def _heartbeat_job(worker_id: str):
    """A periodic job stamping this worker's heartbeat row (read by /healthz/ready)."""

    def job(db: Database, clock: Clock) -> int:
        with db.transaction() as session:
            beat(session, worker_id, clock())
        return 0

    return job


@group.command("worker", help="タイマーと再実行を繰り返し処理する（常駐。Ctrl+C で終了）。")
@click.option("--interval", default=5.0, show_default=True, help="処理の間隔（秒）")
@with_appcontext
def worker(interval: float) -> None:
    stopping = {"now": False}

    def stop(_signum, _frame) -> None:
        stopping["now"] = True

    timers.register_job("heartbeat", _heartbeat_job(f"{socket.gethostname()}:{os.getpid()}"))
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(f"ワークフローの処理を開始します（{interval:g} 秒ごと）。")
    timers.worker(database(), interval=interval, should_stop=lambda: stopping["now"])
    click.echo("ワークフローの処理を終了しました。")
