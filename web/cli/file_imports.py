"""What the file-import commands share: a progress bar, and Japanese messages for failures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from handlers.csv_source import SourceError, open_source
from handlers.import_runs import ImportBusy


@contextmanager
def importing(file: Path, encoding: str | None) -> Iterator[tuple[object, Callable[[int], None]]]:
    """Open the file and show a progress bar; turn every expected failure into a message."""
    try:
        source = open_source(file, encoding)
        with click.progressbar(length=source.data_rows, label="取込中", show_pos=True) as bar:
            yield source, bar.update
    except (SourceError, ImportBusy) as exc:
        raise click.ClickException(str(exc)) from exc
    except (OperationalError, ProgrammingError) as exc:
        raise click.ClickException(
            "データベースに接続できないか、スキーマが最新ではありません。接続先を確認し、"
            "`flask --app wsgi db upgrade` を実行してください。"
        ) from exc
    except KeyboardInterrupt:
        raise click.ClickException(
            "中断しました。同じファイルで再実行すると、確定済みの行の続きから再開します。"
        ) from None


def echo_resumption(resumed_after_line: int | None) -> None:
    if resumed_after_line is not None:
        click.echo(f"中断していた取込（{resumed_after_line}行目まで完了）を再開しました。")
