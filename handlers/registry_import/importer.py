"""Apply a registry file to the residents, in committed batches that a re-run resumes.

Full file (全件): the file is the registry's snapshot. New people are inserted,
changed people updated, and residents absent from it are marked 転出 with a note
(never deleted). Delta file (異動分): every row is one 異動 (転入, 転出, 死亡,
氏名変更, 住所変更) applied to the person it names.

Each batch (rows, rejects, the run's counters and last committed line) commits
together, so a crash loses at most the batch in flight and a re-run of the same
file continues after the last commit. Changes are decided by comparing the
file's state with the stored one, so applying the same file twice changes nothing.

A first load on PostgreSQL builds the search indexes once at the end
(search_indexes.py) and looks up only the numbers it already holds (registered.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import String, any_, func, insert, literal, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from handlers.batch_pipeline import BatchPipeline
from handlers.csv_source import SourceFile, numbered_rows, row_text
from handlers.import_runs import (
    Reject,
    claim_batch,
    default_reject_path,
    finish_run,
    record_rejects,
    start_run,
    write_reject_file,
)
from handlers.registry_import.registered import Registered
from handlers.registry_import.rows import COLUMNS, RegistryRow, RowError, atena_of, parse_row
from handlers.registry_import.search_indexes import (
    defer_search_indexes,
    missing_search_indexes,
    restore_search_indexes,
)
from models.base import utcnow
from models.db import Database
from models.import_run import ImportKind, ImportRun
from models.resident import Resident, ResidentStatus
from models.resident_movement import MovementKind, ResidentMovement

Mode = Literal["full", "delta"]
REGISTRY_KINDS = (ImportKind.RESIDENTS_FULL, ImportKind.RESIDENTS_DELTA)
Progress = Callable[[int], None]

PERSON_FIELDS = (
    "my_number", "family_name", "given_name", "family_name_kana", "given_name_kana",
    "birth_date", "sex", "postal_code", "address", "household_no",
)
STATE_FIELDS = (
    "status", "moved_in_on", "previous_address", "previous_municipality_code",
    "moved_out_on", "died_on",
)
COMPARED = PERSON_FIELDS + STATE_FIELDS
_person_of = attrgetter(*PERSON_FIELDS)
_compared = itemgetter(*COMPARED)
_NO_STATE = dict.fromkeys(STATE_FIELDS)  # a new person's state before the row
STORED = ("id", "atena_no", *COMPARED)
INSERTED_COLUMNS = (
    "atena_no", *COMPARED, "name_kana", "name_kanji_key", "name_kana_key", "address_key",
    "updated_at",
)
MOVEMENT_COLUMNS = (
    "resident_id", "kind", "occurred_on", "previous_value", "new_value",
    "previous_municipality_code", "note", "import_run_id", "recorded_at",
)


@dataclass
class ImportReport:
    run_id: int
    mode: Mode
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    moved_out: int = 0
    deceased: int = 0
    rejected: int = 0
    resumed_after_line: int | None = None  # set when an interrupted run was continued
    imported_before: bool = False  # the same file had been imported completely before
    indexes_built: int = 0  # search indexes (re)built at the end (search_indexes.py)
    note: str | None = None
    reject_file: Path | None = None


@dataclass
class _Batch:
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    movements: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("inserted", "updated", "unchanged", "moved_out", "deceased"), 0
    ))


class _Seen:
    """What earlier rows of the file claimed: duplicates are rejected, absences detected."""

    def __init__(self, mode: Mode) -> None:
        self.mode = mode
        self.lines: dict[Any, int] = {}
        self.atena: set[str] = set()
        self.my_numbers: dict[str, str] = {}

    def claim(self, line_no: int, fields: list[str], row: RegistryRow | None) -> str | None:
        """Remember the row; return a reason when it duplicates an earlier one."""
        atena = row.atena_no if row else atena_of(fields)
        if atena is None:
            return None
        self.atena.add(atena)
        if self.mode == "full":
            key: Any = atena
        elif row is not None:
            key = (atena, row.movement, row.moved_on)
        else:
            return None
        first = self.lines.setdefault(key, line_no)
        if first != line_no:
            return f"宛名番号 {atena} が{first}行目と重複しています。"
        if row is not None and row.my_number:
            owner = self.my_numbers.setdefault(row.my_number, atena)
            if owner != atena:
                return f"個人番号が同じファイルの別の宛名番号（{owner}）と重複しています。"
        return None


def import_registry(
    db: Database,
    source: SourceFile,
    *,
    mode: Mode,
    batch_size: int = 5000,
    reject_path: Path | None = None,
    progress: Progress | None = None,
    today: date | None = None,
    max_missing_ratio: float = 0.05,
    owns_process: bool = False,
) -> ImportReport:
    """Import the file; resumes an interrupted run of the same file. Raises SourceError.

    `owns_process`: nothing else runs in this process (a command, not a web job), so the
    interpreter may be tuned for bulk work (handlers/batch_pipeline.py)."""
    today = today or date.today()
    kind = ImportKind.RESIDENTS_FULL if mode == "full" else ImportKind.RESIDENTS_DELTA
    with db.transaction() as session:
        start = start_run(session, kind, source, exclusive=REGISTRY_KINDS)
        run_id, done_line = start.run.id, start.run.last_line
        if mode == "full":
            defer_search_indexes(session, source.data_rows)
        # A table without its search indexes is being first loaded (search_indexes.py).
        registered = Registered.load(session) if missing_search_indexes(session) else None
    report = ImportReport(
        run_id=run_id, mode=mode, imported_before=bool(start.completed_before),
        resumed_after_line=done_line if start.resumed else None,
    )
    seen = _Seen(mode)
    pending: list[tuple[int, list[str], RegistryRow | None, str | None]] = []
    after = done_line
    def commit(batch: tuple[int, list]) -> None:
        with db.Session(bind=connection) as session, session.begin():
            written = _apply_batch(session, run_id, mode, *batch, registered=registered)
        if registered is not None:
            registered.add(written.inserts, written.updates)
        if progress:
            progress(len(batch[1]))

    # The writer keeps one connection: no pool checkout (and liveness ping) per batch.
    with db.engine.connect() as connection, BatchPipeline(commit, tune_interpreter=owns_process) as writer:
        for line_no, fields in numbered_rows(source, COLUMNS):
            row, reason = _parse(fields, today)
            duplicate = seen.claim(line_no, fields, row)
            if line_no <= done_line:  # committed by the interrupted run
                if progress:
                    progress(1)
                continue
            pending.append((line_no, fields, row, reason or duplicate))
            if len(pending) >= batch_size:
                writer.submit((after, pending))
                after, pending = line_no, []
        if pending:
            writer.submit((after, pending))
    if mode == "full":
        # During a first load only the people stored before it can be missing from the file.
        candidates = None if registered is None else registered.atena - seen.atena
        _mark_absent(db, run_id, seen.atena, source, max_missing_ratio, candidates)
    with db.transaction() as session:
        report.indexes_built = restore_search_indexes(session)
        run = session.get_one(ImportRun, run_id)
        finish_run(run)
        report.reject_file = reject_path or default_reject_path(source.path)
        if run.rejected or reject_path:
            write_reject_file(session, run_id, report.reject_file)
        else:
            report.reject_file = None
        for name in ("inserted", "updated", "unchanged", "moved_out", "deceased", "rejected"):
            setattr(report, name, getattr(run, name))
        report.note = run.note
    report.rows = source.data_rows
    return report


def _parse(fields: list[str], today: date) -> tuple[RegistryRow | None, str | None]:
    try:
        return parse_row(fields, today), None
    except RowError as exc:
        return None, str(exc)


def _apply_batch(
    session: Session, run_id: int, mode: Mode, after: int, pending: list, *,
    registered: Registered | None,
) -> _Batch:
    """The batch's rows, rejects and counters, in the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        # Not waiting for the WAL flush is safe here: a batch lost in a crash loses
        # its `last_line` with it, and the re-run applies it again.
        session.execute(text("SET LOCAL synchronous_commit = off"))
    claim_batch(session, run_id, after, pending[-1][0])
    batch = _Batch()
    rows: list[tuple[int, list[str], RegistryRow]] = []
    for line_no, fields, row, reason in pending:
        if reason:
            batch.rejects.append(Reject(line_no, reason, row_text(fields)))
        else:
            rows.append((line_no, fields, row))
    _decide(session, mode, rows, batch, registered)
    _write(session, run_id, batch)
    record_rejects(session, run_id, batch.rejects)
    counts = {**batch.counts, "rejected": len(batch.rejects)}
    session.execute(update(ImportRun).where(ImportRun.id == run_id).values(
        {name: getattr(ImportRun, name) + value for name, value in counts.items()}
    ))
    return batch


def _decide(
    session: Session, mode: Mode, rows: list, batch: _Batch, registered: Registered | None
) -> None:
    table = Resident.__table__
    asked = rows if registered is None else [r for r in rows if registered.may_be_stored(r[2])]
    atenas = [row.atena_no for _, _, row in asked]
    stored = {
        r[1]: dict(zip(STORED, r, strict=True))
        for r in session.execute(
            select(*(table.c[name] for name in STORED)).where(_among(session, table.c.atena_no,
                                                                    atenas))
        ).all()  # fetched at once: row-by-row fetching costs more
    } if atenas else {}
    # A person keeping their 個人番号 is its owner: only new or changed numbers are asked.
    numbers = [row.my_number for _, _, row in asked if row.my_number and row.my_number != (
        stored[row.atena_no]["my_number"] if row.atena_no in stored else None)]
    owners = dict(session.execute(
        select(table.c.my_number, table.c.atena_no).where(
            _among(session, table.c.my_number, numbers))
    ).all()) if numbers else {}
    for line_no, fields, row in rows:
        old = stored.get(row.atena_no)
        owner = owners.get(row.my_number) if row.my_number else None
        if owner and owner != row.atena_no:
            batch.rejects.append(Reject(
                line_no, f"個人番号が別の宛名番号（{owner}）で登録済みです。", row_text(fields)
            ))
            continue
        if mode == "delta" and (reason := _delta_problem(row, known=old is not None)):
            batch.rejects.append(Reject(line_no, reason, row_text(fields)))
            continue
        new = _new_state(row, old, mode)
        if old is None:
            new["atena_no"] = row.atena_no
            batch.inserts.append(new)
            batch.movements.extend(_movements_of_new(row, new))
            batch.counts["inserted"] += 1
        elif _compared(old) == _compared(new):
            batch.counts["unchanged"] += 1
        else:
            batch.updates.append({"id": old["id"], **new})
            batch.movements.extend(_movements_between(old, new, row))
            batch.counts[_bucket(old, new)] += 1


def _delta_problem(row: RegistryRow, *, known: bool) -> str | None:
    if row.movement is None:
        return "異動事由が空です（異動分ファイルでは必須）。"
    if not known and row.movement is not MovementKind.MOVED_IN:
        return f"宛名番号 {row.atena_no} が登録されていないため{row.movement.label}を反映できません。"
    return None


def _among(session: Session, column, values: list[str]):
    """`column IN values`; on PostgreSQL one array parameter instead of thousands."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(values, ARRAY(String)))
    return column.in_(values)


def _new_state(row: RegistryRow, old: dict | None, mode: Mode) -> dict[str, Any]:
    """The person as the row says they are now; the 異動事由 decides status and dates."""
    new: dict[str, Any] = dict(zip(PERSON_FIELDS, _person_of(row), strict=True))
    new.update(name_kana=f"{row.family_name_kana}\u3000{row.given_name_kana}",
               name_kanji_key=row.name_kanji_key, name_kana_key=row.name_kana_key,
               address_key=row.address_key)
    keep = {name: old[name] for name in STATE_FIELDS} if old else _NO_STATE
    movement = row.movement
    if movement is MovementKind.MOVED_IN:
        new.update(status=ResidentStatus.RESIDENT.value, moved_in_on=row.moved_on,
                   previous_address=row.previous_address,
                   previous_municipality_code=row.previous_municipality_code,
                   moved_out_on=None, died_on=None)
    elif movement is MovementKind.MOVED_OUT:
        new.update(keep, status=ResidentStatus.MOVED_OUT.value, moved_out_on=row.moved_on,
                   died_on=None)
    elif movement is MovementKind.DIED:
        new.update(keep, status=ResidentStatus.DECEASED.value, died_on=row.moved_on)
    elif mode == "delta" and old is not None:  # 氏名変更/住所変更 leave the status alone
        new.update(keep)
    else:  # listed in the full file without 転出/死亡: living here
        new.update(keep, status=ResidentStatus.RESIDENT.value, moved_out_on=None, died_on=None)
    return new


def _bucket(old: dict, new: dict) -> str:
    if new["status"] == ResidentStatus.DECEASED and old["status"] != ResidentStatus.DECEASED:
        return "deceased"
    if new["status"] == ResidentStatus.MOVED_OUT and old["status"] != ResidentStatus.MOVED_OUT:
        return "moved_out"
    return "updated"


def _full_name(state: dict) -> str:
    return (f"{state['family_name']}\u3000{state['given_name']}"
            f"（{state['family_name_kana']}\u3000{state['given_name_kana']}）")


def _movement(kind: MovementKind, on: date | None, **values: Any) -> dict[str, Any]:
    return {"kind": kind.value, "occurred_on": on, "previous_value": None, "new_value": None,
            "previous_municipality_code": None, "note": None, **values}


def _movements_of_new(row: RegistryRow, new: dict) -> list[dict[str, Any]]:
    kind = row.movement
    if kind is None:
        return []
    if kind is MovementKind.MOVED_IN:
        return [_movement(kind, row.moved_on, previous_value=row.previous_address,
                          new_value=row.address,
                          previous_municipality_code=row.previous_municipality_code,
                          atena_no=row.atena_no)]
    value = _full_name(new) if kind is MovementKind.NAME_CHANGED else row.address
    return [_movement(kind, row.moved_on, new_value=value, atena_no=row.atena_no)]


def _movements_between(old: dict, new: dict, row: RegistryRow) -> list[dict[str, Any]]:
    found = []
    resident_id = old["id"]
    dated = row.moved_on

    def on_if(kind: MovementKind) -> date | None:
        return dated if row.movement is kind else None

    if new["status"] == ResidentStatus.DECEASED and (
        old["status"] != new["status"] or old["died_on"] != new["died_on"]
    ):
        found.append(_movement(MovementKind.DIED, new["died_on"], resident_id=resident_id))
    if new["status"] == ResidentStatus.MOVED_OUT and (
        old["status"] != new["status"] or old["moved_out_on"] != new["moved_out_on"]
    ):
        found.append(_movement(MovementKind.MOVED_OUT, new["moved_out_on"],
                               previous_value=old["address"], resident_id=resident_id))
    if new["status"] == ResidentStatus.RESIDENT and (
        old["status"] != new["status"] or old["moved_in_on"] != new["moved_in_on"]
    ):
        found.append(_movement(
            MovementKind.MOVED_IN, new["moved_in_on"], previous_value=new["previous_address"],
            new_value=new["address"],
            previous_municipality_code=new["previous_municipality_code"],
            note=None if new["moved_in_on"] else "全件ファイルに住民として再び記載されました。",
            resident_id=resident_id,
        ))
    names = ("family_name", "given_name", "family_name_kana", "given_name_kana")
    if any(old[n] != new[n] for n in names):
        found.append(_movement(MovementKind.NAME_CHANGED, on_if(MovementKind.NAME_CHANGED),
                               previous_value=_full_name(old), new_value=_full_name(new),
                               resident_id=resident_id))
    if old["address"] != new["address"]:
        found.append(_movement(MovementKind.ADDRESS_CHANGED,
                               on_if(MovementKind.ADDRESS_CHANGED),
                               previous_value=old["address"], new_value=new["address"],
                               resident_id=resident_id))
    return found


def _stamped(state: dict[str, Any], now: datetime) -> dict[str, Any]:
    state["updated_at"] = now
    return state


def _write(session: Session, run_id: int, batch: _Batch) -> None:
    now = utcnow()
    if batch.inserts:
        _bulk_insert(session, Resident, INSERTED_COLUMNS,
                     [_stamped(row, now) for row in batch.inserts])
    if batch.updates:
        session.execute(update(Resident), [_stamped(row, now) for row in batch.updates])
    if batch.movements:
        waiting = [m["atena_no"] for m in batch.movements if "atena_no" in m]
        ids = dict(session.execute(
            select(Resident.atena_no, Resident.id).where(
                _among(session, Resident.atena_no, waiting))
        ).all()) if waiting else {}
        for movement in batch.movements:
            if "atena_no" in movement:
                movement["resident_id"] = ids[movement.pop("atena_no")]
            movement["import_run_id"] = run_id
            movement["recorded_at"] = now
        _bulk_insert(session, ResidentMovement, MOVEMENT_COLUMNS, batch.movements)


def _bulk_insert(session: Session, model: type, columns: tuple[str, ...],
                 rows: list[dict[str, Any]]) -> None:
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(model), rows)
        return
    # COPY is several times faster than INSERT for thousands of rows.
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(
        f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN"
    ) as copy:
        values_of = itemgetter(*columns)
        for row in rows:
            copy.write_row(values_of(row))


def _mark_absent(
    db: Database, run_id: int, present: set[str], source: SourceFile, max_ratio: float,
    candidates: set[str] | None,
) -> None:
    """Residents the full file no longer lists become 転出 (never deleted), with a note.

    `candidates`, when known, holds every 宛名番号 that may be missing from the file.
    """
    with db.transaction() as session:
        run = session.get_one(ImportRun, run_id)
        living = Resident.status == ResidentStatus.RESIDENT
        if candidates is None:
            residents = session.execute(select(Resident.id, Resident.atena_no).where(living)).all()
            absent = [rid for rid, atena in residents if atena not in present]
            total = len(residents)
        else:
            absent = list(session.scalars(select(Resident.id).where(
                living, _among(session, Resident.atena_no, sorted(candidates))))) if candidates else []
            total = session.scalar(select(func.count()).select_from(Resident).where(living))
        if not absent:
            return
        if len(absent) > max(10, max_ratio * total):
            run.note = (
                f"全件ファイルに記載のない住民が{len(absent)}人います（住民の"
                f"{len(absent) / total:.0%}）。ファイルの欠落の恐れがあるため転出扱いにしていません。"
            )
            return
        note = f"全件ファイル（{source.path.name}）に記載がないため転出として扱いました。"
        for start in range(0, len(absent), 5000):
            chunk = absent[start:start + 5000]
            session.execute(
                update(Resident).where(Resident.id.in_(chunk)).values(
                    status=ResidentStatus.MOVED_OUT.value, updated_at=utcnow()
                )
            )
            session.execute(insert(ResidentMovement), [
                {"resident_id": rid, "kind": MovementKind.MOVED_OUT.value, "occurred_on": None,
                 "note": note[:200], "import_run_id": run_id, "recorded_at": utcnow()}
                for rid in chunk
            ])
        run.moved_out += len(absent)


def summarise(report: ImportReport) -> Iterable[str]:
    """The report as Japanese lines for the terminal."""
    yield (f"取込結果: 新規 {report.inserted} 件、更新 {report.updated} 件、"
           f"転出 {report.moved_out} 件、死亡 {report.deceased} 件、"
           f"変更なし {report.unchanged} 件、エラー {report.rejected} 件")
    if report.indexes_built:
        yield f"検索用の索引 {report.indexes_built} 件を作成しました。"
    if report.note:
        yield f"注意: {report.note}"
    if report.reject_file:
        yield f"エラー行の一覧: {report.reject_file}"
