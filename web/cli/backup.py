"""`flask --app wsgi backup create|restore`: the database and the instance/ folder.

PostgreSQL is dumped with pg_dump (custom format) and restored with pg_restore; the
embedded SQLite file is copied with SQLite's online backup API, so both run while Sesshu
serves. The instance/ folder (keys shared by every host, uploaded documents) goes into a
tar beside the dump with its file modes kept. A restore goes only into an empty database.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect
from sqlalchemy.engine import URL

from web.db import database

SQLITE_SUFFIXES = (".db", ".db-wal", ".db-shm", ".db-journal", ".sqlite3")


@click.group("backup", help="データベースと instance/ の鍵のバックアップ・復元")
def group() -> None:
    pass


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and the environment carrying it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise click.ClickException(
            f"{name} が見つかりません。PostgreSQL のクライアント（例: apt-get install postgresql-client）を入れてください。"
        )
    return path


def _run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # Only PostgreSQL's own client tools, found on PATH, with arguments built here.
    return subprocess.run(args, env=env, capture_output=True, text=True)  # noqa: S603


def _major(version_text: str) -> int:
    found = re.search(r"\(PostgreSQL\)\s+(\d+)", version_text)
    if found is None:
        raise click.ClickException(f"バージョンを読み取れません: {version_text.strip()}")
    return int(found.group(1))


def _check_pg_dump_version(tool: str) -> None:
    client = _major(_run([tool, "--version"]).stdout)
    with database().engine.connect() as connection:
        server = int(connection.exec_driver_sql("SHOW server_version_num").scalar_one()) // 10000
    if client < server:
        raise click.ClickException(
            f"pg_dump のバージョン（{client}）がサーバ（{server}）より古いため、バックアップできません。"
            f"PostgreSQL {server} 以降のクライアントを使ってください。"
        )


def _is_sqlite_file(path: Path, sqlite_file: Path | None) -> bool:
    return sqlite_file is not None and path.resolve().name.startswith(sqlite_file.resolve().name)


def _tar_instance(instance: Path, target: Path, sqlite_file: Path | None) -> int:
    count = 0
    with tarfile.open(target, "w") as archive:
        for path in sorted(instance.rglob("*")):
            if path.is_file() and not _is_sqlite_file(path, sqlite_file):
                archive.add(path, arcname=str(path.relative_to(instance)), recursive=False)
                count += 1
    os.chmod(target, 0o600)
    return count


@group.command("create", help="データベースのダンプと instance/ の tar を作る。")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("backups"),
              show_default=True, help="出力先フォルダ")
@with_appcontext
def create(out_dir: Path) -> None:
    db = database()
    url = db.engine.url
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    sqlite_file: Path | None = None
    if db.dialect == "postgresql":
        tool = _tool("pg_dump")
        _check_pg_dump_version(tool)
        dump = out_dir / f"sesshu-{stamp}.dump"
        uri, env = _libpq(url)
        result = _run([tool, "--format=custom", "--no-owner", "--no-acl", f"--file={dump}", uri], env)
        if result.returncode != 0:
            dump.unlink(missing_ok=True)
            raise click.ClickException(f"pg_dump が失敗しました: {result.stderr.strip()}")
    elif db.dialect == "sqlite":
        sqlite_file = Path(str(url.database))
        dump = out_dir / f"sesshu-{stamp}.sqlite3"
        source = sqlite3.connect(sqlite_file)
        target = sqlite3.connect(dump)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        raise click.ClickException(f"{db.dialect} のバックアップには対応していません。")
    os.chmod(dump, 0o600)
    keys = out_dir / f"sesshu-{stamp}-instance.tar"
    count = _tar_instance(Path(current_app.instance_path), keys, sqlite_file)
    click.echo(f"データベース: {dump}")
    click.echo(f"instance/（{count} ファイル）: {keys}")


def _refuse_non_empty() -> None:
    tables = inspect(database().engine).get_table_names()
    if tables:
        raise click.ClickException(
            f"復元先のデータベースが空ではありません（テーブル {len(tables)} 個）。空のデータベースを指定してください。"
        )


@group.command("restore", help="バックアップ（.dump または .sqlite3）を空のデータベースへ復元する。")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore(backup_file: Path) -> None:
    db = database()
    _refuse_non_empty()
    if db.dialect == "postgresql":
        tool = _tool("pg_restore")
        uri, env = _libpq(db.engine.url)
        db.engine.dispose()
        result = _run([tool, "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction",
                       f"--dbname={uri}", str(backup_file)], env)
        if result.returncode != 0:
            raise click.ClickException(f"pg_restore が失敗しました（何も復元していません）: {result.stderr.strip()}")
    elif db.dialect == "sqlite":
        try:
            source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            raise click.ClickException(f"SQLite のバックアップとして読めません: {exc}") from exc
        db.engine.dispose()
        target = sqlite3.connect(str(db.engine.url.database))
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        raise click.ClickException(f"{db.dialect} への復元には対応していません。")
    click.echo(f"{backup_file} を復元しました。instance/ の鍵は tar -xpf で戻してください（docs/deploy.md）。")
