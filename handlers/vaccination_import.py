"""Import clinics' vaccination records (予診票の接種記録) from CSV (docs/formats/vaccinations.md).

Rows are checked like a dose typed by staff (handlers/vaccination_rules.py);
a row equal to a stored dose is a duplicate and skipped; batches commit with the
run's progress so an interrupted import resumes, as for the registry file.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import insert, or_, select

from handlers.csv_source import UNDECODABLE, SourceFile, numbered_rows, row_text
from handlers.import_runs import (
    Reject,
    claim_batch,
    default_reject_path,
    finish_run,
    record_rejects,
    start_run,
    write_reject_file,
)
from handlers.vaccination_rules import (
    DOSE_FIELDS,
    Dose,
    category_from_label,
    check_dose,
    check_sequence,
)
from models.base import utcnow
from models.db import Database
from models.identifiers import IdentifierError, validate_voucher_no
from models.import_run import ImportKind, ImportRun
from models.resident import Resident
from models.search_keys import nfkc
from models.vaccination import DEFAULT_MUNICIPALITY_CODE, VaccinationRecord
from models.vaccination_change import ChangeAction, VaccinationRecordChange

COLUMNS = (
    "接種券番号", "宛名番号", "接種日", "接種回数", "ワクチン名", "メーカー", "Lot.No",
    "実施医療機関", "接種医", "接種区分",
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ATENA = re.compile(r"\d{1,15}")


@dataclass
class VaccinationImportReport:
    run_id: int
    inserted: int = 0
    duplicates: int = 0
    rejected: int = 0
    resumed_after_line: int | None = None
    imported_before: bool = False
    reject_file: Path | None = None


class _RowError(ValueError):
    pass


@dataclass
class _Row:
    voucher_no: str | None
    atena_no: str | None
    dose: Dose


def import_vaccinations(
    db: Database,
    source: SourceFile,
    *,
    batch_size: int = 2000,
    reject_path: Path | None = None,
    progress: Callable[[int], None] | None = None,
    today: date | None = None,
    municipality_code: str = DEFAULT_MUNICIPALITY_CODE,
) -> VaccinationImportReport:
    today = today or date.today()
    with db.transaction() as session:
        start = start_run(session, ImportKind.VACCINATIONS, source,
                          exclusive=(ImportKind.VACCINATIONS,))
        run_id, done_line = start.run.id, start.run.last_line
    report = VaccinationImportReport(
        run_id=run_id, imported_before=bool(start.completed_before),
        resumed_after_line=done_line if start.resumed else None,
    )
    pending: list[tuple[int, list[str]]] = []
    after = done_line
    for line_no, fields in numbered_rows(source, COLUMNS):
        if line_no <= done_line:
            if progress:
                progress(1)
            continue
        pending.append((line_no, fields))
        if len(pending) >= batch_size:
            _commit(db, run_id, after, pending, today, municipality_code, progress)
            after, pending = line_no, []
    if pending:
        _commit(db, run_id, after, pending, today, municipality_code, progress)
    with db.transaction() as session:
        run = session.get_one(ImportRun, run_id)
        finish_run(run)
        report.inserted, report.duplicates, report.rejected = (
            run.inserted, run.unchanged, run.rejected)
        if run.rejected or reject_path:
            report.reject_file = reject_path or default_reject_path(source.path)
            write_reject_file(session, run_id, report.reject_file)
    return report


def _parse(fields: list[str]) -> _Row:
    if any(UNDECODABLE in f for f in fields):
        raise _RowError("文字コードを読み取れない文字があります。")
    if len(fields) != len(COLUMNS):
        raise _RowError(f"項目数が{len(COLUMNS)}ではありません（{len(fields)}項目）。")
    values = [f.strip() for f in fields]
    voucher = atena = None
    if values[0]:
        try:
            voucher = validate_voucher_no(values[0])
        except IdentifierError as exc:
            raise _RowError(str(exc)) from exc
    if values[1]:
        atena = nfkc(values[1])
        if not _ATENA.fullmatch(atena):
            raise _RowError("宛名番号は15桁以内の数字です。")
    if not voucher and not atena:
        raise _RowError("接種券番号か宛名番号のどちらかが必要です。")
    day_text = nfkc(values[2])
    if not _ISO_DATE.fullmatch(day_text):
        raise _RowError(f"接種日「{values[2]}」は YYYY-MM-DD の形式で記載してください。")
    try:
        day = date.fromisoformat(day_text)
    except ValueError as exc:
        raise _RowError(f"接種日「{values[2]}」は存在しない日付です。") from exc
    number = nfkc(values[3])
    if not number.isdigit():
        raise _RowError(f"接種回数「{values[3]}」は数字で記載してください。")
    category = category_from_label(values[9])
    if category is None:
        raise _RowError(f"接種区分「{values[9]}」は定義されていません"
                        "（特例臨時接種・定期接種（B類）・任意接種）。")
    return _Row(voucher, atena, Dose(
        dose_number=int(number), vaccinated_on=day, product=values[4],
        manufacturer=values[5], lot_no=nfkc(values[6]), clinic=values[7],
        doctor=values[8] or None, category=category, voucher_no=voucher,
    ))


def _commit(db: Database, run_id: int, after: int, pending: list, today: date,
            municipality_code: str, progress) -> None:
    rejects: list[Reject] = []
    parsed: list[tuple[int, list[str], _Row]] = []
    for line_no, fields in pending:
        try:
            parsed.append((line_no, fields, _parse(fields)))
        except _RowError as exc:
            rejects.append(Reject(line_no, str(exc), row_text(fields)))
    with db.transaction() as session:
        claim_batch(session, run_id, after, pending[-1][0])
        vouchers = [r.voucher_no for _, _, r in parsed if r.voucher_no]
        atenas = [r.atena_no for _, _, r in parsed if r.atena_no]
        people = session.scalars(select(Resident).where(
            or_(Resident.voucher_no.in_(vouchers), Resident.atena_no.in_(atenas))
        )).all() if parsed else []
        by_voucher = {p.voucher_no: p for p in people if p.voucher_no}
        by_atena = {p.atena_no: p for p in people}
        doses: dict[int, list[Dose]] = defaultdict(list)
        for record in session.scalars(select(VaccinationRecord).where(
            VaccinationRecord.resident_id.in_([p.id for p in people])
        )):
            doses[record.resident_id].append(Dose.of(record))
        new: list[tuple[int, Dose]] = []
        duplicates = 0
        for line_no, fields, row in parsed:
            try:
                person = _person(row, by_voucher, by_atena)
            except _RowError as exc:
                rejects.append(Reject(line_no, str(exc), row_text(fields)))
                continue
            known = doses[person.id]
            if any(row.dose.same_event(d) for d in known):
                duplicates += 1
                continue
            problems = check_dose(person, row.dose, today) + check_sequence(row.dose, known)
            if problems:
                rejects.append(Reject(line_no, " ".join(problems), row_text(fields)))
                continue
            known.append(row.dose)
            new.append((person.id, row.dose))
        if new:
            ids = session.scalars(
                insert(VaccinationRecord).returning(VaccinationRecord.id,
                                                    sort_by_parameter_order=True),
                [{"resident_id": pid, "municipality_code": municipality_code, "version": 1,
                  **{name: getattr(dose, name) for name in DOSE_FIELDS}} for pid, dose in new],
            ).all()
            session.execute(insert(VaccinationRecordChange), [
                {"record_id": rid, "version": 1, "action": ChangeAction.CREATE.value,
                 "import_run_id": run_id, "changed_at": utcnow()}
                for rid in ids
            ])
        record_rejects(session, run_id, rejects)
        run = session.get_one(ImportRun, run_id)
        run.inserted += len(new)
        run.unchanged += duplicates
        run.rejected += len(rejects)
    if progress:
        progress(len(pending))


def _person(row: _Row, by_voucher: dict[str, Resident], by_atena: dict[str, Resident]) -> Resident:
    from_voucher = by_voucher.get(row.voucher_no) if row.voucher_no else None
    from_atena = by_atena.get(row.atena_no) if row.atena_no else None
    if row.voucher_no and from_voucher is None:
        raise _RowError(f"接種券番号 {row.voucher_no} の住民が見つかりません。")
    if row.atena_no and from_atena is None:
        raise _RowError(f"宛名番号 {row.atena_no} の住民が見つかりません。")
    if from_voucher and from_atena and from_voucher.id != from_atena.id:
        raise _RowError("接種券番号と宛名番号が別の住民を指しています。")
    person = from_voucher or from_atena
    assert person is not None
    return person
