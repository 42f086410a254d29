"""`flask --app wsgi intermediary …`: the 中間サーバ simulator for the demo and tests."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from handlers.intermediary import IntermediaryConfig, IntermediaryConfigError


@click.group("intermediary", help="中間サーバ連携")
def group() -> None:
    pass


@group.command("simulate", help="中間サーバと他市町村を模擬するシミュレータを起動する（デモ・試験用）。")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5100, show_default=True, type=click.IntRange(1, 65535))
@click.option("--delay", default=2.0, show_default=True, type=click.FloatRange(min=0),
              help="照会を受け付けてから照会結果を返すまでの秒数")
@click.option("--seed", default=1, show_default=True, help="架空の接種記録の乱数の種")
@click.option("--population", default=10_000, show_default=True, type=click.IntRange(1, 1_000_000),
              help="接種記録を持つ架空の人数（個人番号 99… の連番）")
@click.option("--callback-url", default=None,
              help="照会結果・情報照会の送り先（既定: SESSHU_INTERMEDIARY_CALLBACK_URL）")
@click.option("--fail-next", default=0, type=click.IntRange(min=0), help="次の N 件に 503 を返す")
@click.option("--timeout-next", default=0, type=click.IntRange(min=0),
              help="次の N 件は処理した上で応答を遅らせる（タイムアウト試験）")
@click.option("--answer-twice", is_flag=True, help="照会結果を毎回2度送る（重複試験）")
@with_appcontext
def simulate(
    host: str,
    port: int,
    delay: float,
    seed: int,
    population: int,
    callback_url: str | None,
    fail_next: int,
    timeout_next: int,
    answer_twice: bool,
) -> None:
    from simulator.server import serve
    from simulator.settings import Faults, SimulatorSettings

    if current_app.config["SESSHU"].is_production:
        raise click.ClickException("本番環境ではシミュレータを起動できません。")
    config: IntermediaryConfig = current_app.extensions["sesshu_intermediary"]
    try:
        settings = SimulatorSettings(
            municipality_code=config.municipality_code,
            callback_url=callback_url or config.callback_url,
            key_id=config.key_id,
            secret=config.require_secret(),
            token_key=config.require_token_key(),
            seed=seed,
            population=population,
            answer_delay=delay,
            faults=Faults(fail_next=fail_next, timeout_next=timeout_next, answer_twice=answer_twice),
        )
    except IntermediaryConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"中間サーバ シミュレータを http://{host}:{port}/ で起動します"
        f"（送り先: {settings.callback_url}、終了は Ctrl+C）。"
    )
    serve(settings, host, port)
