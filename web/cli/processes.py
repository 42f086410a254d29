"""`flask --app wsgi processes validate|deploy|load-shipped`: BPMN process definitions."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from models.staff import Staff
from web.db import database
from web.forms.generic import discover as discover_forms
from workflows.definitions import deploy as deploy_definition
from workflows.definitions import load_shipped, read_limited
from workflows.errors import DefinitionInvalid, WorkflowError
from workflows.validation import validate_bpmn


@click.group("processes", help="工程定義（BPMN）の検証と公開")
def group() -> None:
    pass


def _read(path: str) -> bytes:
    file = Path(path)
    try:
        return read_limited(file)
    except FileNotFoundError as exc:
        raise click.ClickException(f"ファイルが見つかりません: {path}") from exc
    except IsADirectoryError as exc:
        raise click.ClickException(f"ファイルではありません: {path}") from exc
    except OSError as exc:
        raise click.ClickException(f"ファイルを読めません: {path}（{exc.strerror}）") from exc


DMN_OPTION = click.option("--dmn", "dmn_files", multiple=True, help="呼び出す決定表（DMN ファイル、複数可）")


@group.command("validate", help="BPMN ファイルを検証する（問題がなければ OK）。")
@click.argument("file")
@DMN_OPTION
def validate(file: str, dmn_files: tuple[str, ...]) -> None:
    discover_forms()
    result = validate_bpmn(_read(file), [_read(d) for d in dmn_files])
    if result.ok:
        click.echo("OK")
        return
    for problem in result.problems:
        click.echo(str(problem))
    raise SystemExit(1)


@group.command("deploy", help="BPMN ファイルを検証し、新しい版として公開する。")
@click.argument("file")
@click.option("--note", default=None, help="公開の理由・変更点")
@click.option("--by", "login_id", default=None, help="公開する職員のログイン ID")
@DMN_OPTION
@with_appcontext
def deploy(file: str, note: str | None, login_id: str | None, dmn_files: tuple[str, ...]) -> None:
    discover_forms()
    data = _read(file)
    tables = {Path(d).name: _read(d) for d in dmn_files}
    try:
        with database().transaction() as session:
            publisher = None
            if login_id:
                publisher = session.scalars(select(Staff).where(Staff.login_id == login_id)).one_or_none()
                if publisher is None:
                    raise click.ClickException(f"職員「{login_id}」が見つかりません")
            definition = deploy_definition(
                session, data, note=note, dmn=tables, published_by_id=publisher.id if publisher else None
            )
    except DefinitionInvalid as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        raise SystemExit(1) from exc
    except WorkflowError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{definition.process_key} を第 {definition.version} 版として公開しました。")


@group.command("load-shipped", help="同梱の bpmn/*.bpmn のうち未登録のものを第 1 版として登録する。")
@with_appcontext
def load_shipped_command() -> None:
    discover_forms()
    with database().transaction() as session:
        results = load_shipped(session)
    if not results:
        click.echo("同梱の工程定義はありません。")
    for result in results:
        if result.problems:
            click.echo(f"{result.path.name}: 問題があるため登録しません")
            for problem in result.problems:
                click.echo(f"  {problem}")
        else:
            state = "第 1 版として登録しました" if result.loaded else "登録済み"
            click.echo(f"{result.path.name}: {result.process_key} {state}")
