"""Bookkeeping shared by the file imports: runs, rejected rows, the reject file."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from handlers.csv_source import SourceFile
from models.base import utcnow
from models.import_run import ImportKind, ImportReject, ImportRun, ImportStatus

REJECT_HEADER = ("行番号", "理由", "元の行")


@dataclass
class Reject:
    line_no: int
    reason: str
    row_text: str


@dataclass
class RunStart:
    run: ImportRun
    resumed: bool  # an interrupted run of the same file is continued
    completed_before: list[ImportRun] = field(default_factory=list)


class ImportBusy(RuntimeError):
    """Another import is running; str(error) is a Japanese message."""


# A running import commits a batch (and its heartbeat) every few seconds; one silent for
# this long has crashed.
STALE_AFTER = timedelta(minutes=10)


def start_run(
    session: Session, kind: ImportKind, source: SourceFile, *, exclusive: tuple[ImportKind, ...]
) -> RunStart:
    """Resume the interrupted run of this very file, or open a new one.

    Refuses while an import of another file of the `exclusive` kinds is alive (a full
    and a delta registry file must not interleave).
    """
    others = session.scalars(
        select(ImportRun).where(
            ImportRun.kind.in_(exclusive), ImportRun.status == ImportStatus.RUNNING,
            ImportRun.checksum != source.checksum,
            ImportRun.heartbeat_at > utcnow() - STALE_AFTER,
        )
    ).first()
    if others is not None:
        raise ImportBusy(
            f"別の取込（{others.file_name}）が実行中です。終了を待つか、中断したものであれば"
            f"{int(STALE_AFTER.total_seconds() // 60)}分後に再実行してください。"
        )
    same_file = session.scalars(
        select(ImportRun)
        .where(ImportRun.kind == kind, ImportRun.checksum == source.checksum)
        .order_by(ImportRun.id)
    ).all()
    running = [r for r in same_file if r.status == ImportStatus.RUNNING]
    completed = [r for r in same_file if r.status == ImportStatus.COMPLETED]
    if running:
        return RunStart(running[-1], resumed=True, completed_before=completed)
    run = ImportRun(
        kind=kind, file_name=source.path.name[:255], checksum=source.checksum,
        encoding=source.encoding_label, status=ImportStatus.RUNNING, last_line=1,
        inserted=0, updated=0, unchanged=0, moved_out=0, deceased=0, rejected=0,
        heartbeat_at=utcnow(),
    )
    session.add(run)
    session.flush()
    return RunStart(run, resumed=False, completed_before=completed)


def claim_batch(session: Session, run_id: int, after_line: int, last_line: int) -> None:
    """First statement of a batch's transaction: move the run from `after_line` to `last_line`.

    Locks the run row; if another process already moved it (two imports resuming the
    same run), this batch must not be applied twice, so ImportBusy is raised.
    """
    claimed = session.execute(
        update(ImportRun)
        .where(ImportRun.id == run_id, ImportRun.last_line == after_line)
        .values(last_line=last_line, heartbeat_at=utcnow())
    ).rowcount
    if claimed != 1:
        raise ImportBusy("同じファイルの取込が別の処理で進んでいるため、この処理を中止しました。")


def record_rejects(session: Session, run_id: int, rejects: list[Reject]) -> None:
    if rejects:
        session.execute(insert(ImportReject), [
            {"import_run_id": run_id, "line_no": r.line_no, "reason": r.reason[:300],
             "row_text": r.row_text}
            for r in rejects
        ])


def finish_run(run: ImportRun) -> None:
    run.status = ImportStatus.COMPLETED
    run.finished_at = utcnow()


def write_reject_file(session: Session, run_id: int, path: Path) -> int:
    """Every rejected row of the run, in line order, as UTF-8 CSV with BOM (opens in Excel)."""
    rows = session.execute(
        select(ImportReject.line_no, ImportReject.reason, ImportReject.row_text)
        .where(ImportReject.import_run_id == run_id)
        .order_by(ImportReject.line_no, ImportReject.id)
    ).all()
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(REJECT_HEADER)
        writer.writerows(rows)
    return len(rows)


def default_reject_path(source: Path) -> Path:
    return source.with_name(f"{source.stem}.rejects.csv")
