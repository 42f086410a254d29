"""Registry import speed on PostgreSQL, beside PostgreSQL's own COPY of the same file.

    .venv/bin/python benchmarks/import.py [--count 1000000] [--url postgresql+psycopg://…]

1. writes COUNT generated residents (models.demo) to a UTF-8 registry file, streamed;
2. recreates the benchmark database (default sesshu_bench_registry) at the newest schema;
3. COPYs the file into an unindexed table of text columns: the practical limit;
4. imports the same file with `residents import --full` (validation, search keys,
   residence history, every index of the resident table) and prints the ratio,
   beside two floors, PostgreSQL alone putting the already clean rows into a copy
   of the table: with every index maintained row by row (`INSERT … SELECT`), and
   the way a first import loads (unique constraints only, then CREATE INDEX for
   the search indexes, handlers/registry_import/search_indexes.py);
5. imports it once more (nothing changes: the idempotent re-run);
6. imports a delta file of 5,000 異動 (転入, 転出, 死亡, 氏名変更, 住所変更).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.stack import recreate
from handlers.csv_source import open_source
from handlers.registry_import.importer import import_registry
from handlers.registry_import.rows import COLUMNS
from handlers.registry_import.search_indexes import BUILD_MEMORY
from models.db import Database
from models.demo.people import generate_people, synthetic_my_number
from models.demo.registry_file import write_registry_csv
from models.resident import Resident, ResidentStatus
from web.cli.db import alembic_config

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/sesshu_bench_registry"
TODAY = date(2026, 4, 1)  # the demo city's "today"
DELTA_KINDS = ("転入", "転出", "死亡", "氏名変更", "住所変更")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--delta", type=int, default=5_000)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()

    path = args.workdir / f"sesshu_bench_residents_{args.count}.csv"
    started = time.perf_counter()
    if not path.exists():  # the generator is deterministic: a file from an earlier run is reused
        with path.open("w", encoding="utf-8", newline="") as handle:
            write_registry_csv(generate_people(args.count, seed=1), handle)
    print(f"file: {args.count:,} residents, {path.stat().st_size / 1e6:.0f} MB, UTF-8 "
          f"(ready in {time.perf_counter() - started:.1f} s)")

    recreate(args.url)
    db = Database(args.url)
    with db.engine.begin() as connection:
        from alembic import command

        command.upgrade(alembic_config(connection), "head")

    copy_seconds = copy_baseline(db, path)
    copy_rate = args.count / copy_seconds
    print(f"PostgreSQL COPY into an unindexed table: {copy_seconds:6.1f} s  "
          f"{copy_rate:>10,.0f} rows/s")

    started = time.perf_counter()
    report = import_registry(db, open_source(path), mode="full", today=TODAY, owns_process=True)
    seconds = time.perf_counter() - started
    rate = args.count / seconds
    print(f"Sesshu full import:                      {seconds:6.1f} s  {rate:>10,.0f} rows/s  "
          f"= {rate / copy_rate:.1%} of COPY")
    print(f"  inserted {report.inserted:,}, rejected {report.rejected:,} (see "
          f"{report.reject_file.name if report.reject_file else '-'})")

    for label, floor in (("every index maintained", indexed_insert_floor(db, deferred=False)),
                         ("search indexes built after", indexed_insert_floor(db, deferred=True))):
        print(f"floor, PostgreSQL alone, {label + ':':28s} {floor:6.1f} s  "
              f"{report.inserted / floor:>10,.0f} rows/s  = {report.inserted / floor / copy_rate:.1%} "
              f"of COPY")

    started = time.perf_counter()
    again = import_registry(db, open_source(path), mode="full", today=TODAY, owns_process=True)
    seconds = time.perf_counter() - started
    print(f"same full file again (no change):        {seconds:6.1f} s  "
          f"{args.count / seconds:>10,.0f} rows/s  (unchanged {again.unchanged:,})")

    delta = write_delta(db, args.workdir / "sesshu_bench_delta.csv", args.count, args.delta)
    started = time.perf_counter()
    moved = import_registry(db, open_source(delta), mode="delta", today=TODAY, owns_process=True)
    seconds = time.perf_counter() - started
    print(f"delta of {args.delta:,} 異動:                   {seconds:6.2f} s  "
          f"(inserted {moved.inserted}, moved out {moved.moved_out}, deceased "
          f"{moved.deceased}, updated {moved.updated}, rejected {moved.rejected})")
    db.dispose()


def copy_baseline(db: Database, path: Path) -> float:
    """COPY the file, as the client reads it, into a plain table with no index."""
    columns = ", ".join(f"c{i} text" for i in range(len(COLUMNS)))
    with db.engine.begin() as connection:
        connection.execute(text(f"CREATE TABLE copy_baseline ({columns})"))
    raw = db.engine.raw_connection()
    try:
        started = time.perf_counter()
        with raw.driver_connection.cursor() as cursor, cursor.copy(
            "COPY copy_baseline FROM STDIN (FORMAT csv, HEADER true, ENCODING 'UTF8')"
        ) as copy, path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                copy.write(chunk)
        raw.commit()
        return time.perf_counter() - started
    finally:
        raw.close()


def indexed_insert_floor(db: Database, *, deferred: bool) -> float:
    """What PostgreSQL alone needs to put already-clean rows into a copy of `resident`.

    deferred: as a first import loads, with the primary key and unique constraints
    only, the search indexes created afterwards.
    """
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE resident_floor (LIKE resident INCLUDING ALL)"))
        searches = connection.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'resident_floor'"
            " AND indexdef NOT LIKE 'CREATE UNIQUE %'"
        )).all() if deferred else []
        for name, _ in searches:
            connection.execute(text(f'DROP INDEX "{name}"'))
    with db.engine.begin() as connection:
        started = time.perf_counter()
        connection.execute(text("INSERT INTO resident_floor SELECT * FROM resident"))
        connection.execute(text(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'"))
        for _, definition in searches:
            connection.execute(text(definition))
        seconds = time.perf_counter() - started
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE resident_floor"))
    return seconds


def write_delta(db: Database, path: Path, count: int, size: int) -> Path:
    """`size` 異動 spread evenly over the five kinds, on residents taken from the database."""
    per_kind = size // len(DELTA_KINDS)
    with db.transaction() as session:
        people = session.scalars(
            select(Resident).where(Resident.status == ResidentStatus.RESIDENT)
            .order_by(Resident.id).limit(per_kind * len(DELTA_KINDS))
        ).all()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for index, person in enumerate(people):
            kind = DELTA_KINDS[index // per_kind]
            atena, my_number = person.atena_no, person.my_number or ""
            family, address = person.family_name, person.address
            previous = ""
            if kind == "転入":  # a new person, modelled on an existing one
                serial = count + index + 1
                atena, my_number = f"{serial:010d}", synthetic_my_number(serial)
                previous = "東京都新宿区架空町1番地"
            elif kind == "氏名変更":
                family = "加賀"
            elif kind == "住所変更":
                address = "石川県金沢市片町二丁目2番99号"
            writer.writerow((
                atena, my_number, family, person.given_name, person.family_name_kana,
                person.given_name_kana, person.birth_date.isoformat(), person.sex,
                person.postal_code or "", address, person.household_no or "", kind,
                "2026-03-15", previous, "131041" if previous else "",
            ))
    return path


if __name__ == "__main__":
    main()
