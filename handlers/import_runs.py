"""Bookkeeping shared by the file imports: runs, rejected rows, the reject file."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select
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


def start_run(session: Session, kind: ImportKind, source: SourceFile) -> RunStart:
    """Resume the interrupted run of this very file, or open a new one."""
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
    )
    session.add(run)
    session.flush()
    return RunStart(run, resumed=False, completed_before=completed)


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
