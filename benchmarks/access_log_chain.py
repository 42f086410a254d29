"""How fast the hash-chained access log appends and verifies.

    .venv/bin/python benchmarks/access_log_chain.py [--url DATABASE_URL] [--rows N] [--writers W]

Without --url it uses a new SQLite file in a temporary directory. A PostgreSQL URL
must name an empty database made for the purpose: the schema is created in it.
Prints appends per second (one writer, then W concurrent writers, one transaction
per row as screens do) and rows verified per second.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from alembic import command

from models import hash_chain
from models.access_log import ACCESS_LOG_CHAIN, AccessAction, Actor, record_access
from models.db import Database
from web.cli.db import alembic_config

ACTOR = Actor(None, "計測 太郎", "予防接種担当", "10.0.0.1 benchmark")


def append_rows(db: Database, count: int, tag: int) -> None:
    for i in range(count):
        with db.transaction() as session:
            record_access(session, ACTOR, AccessAction.VIEW, atena_no=f"{tag:05d}{i:05d}",
                          reason="窓口での証明書交付申請", detail="接種記録の参照")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--writers", type=int, default=4)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    db = Database(url)
    with db.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    print(f"database: {db.dialect}")

    start = time.perf_counter()
    append_rows(db, args.rows, 0)
    elapsed = time.perf_counter() - start
    print(f"1 writer: {args.rows} appends in {elapsed:.2f} s = {args.rows / elapsed:.0f} rows/s")

    per_writer = args.rows // args.writers
    threads = [threading.Thread(target=append_rows, args=(db, per_writer, n + 1))
               for n in range(args.writers)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    total = per_writer * args.writers
    print(f"{args.writers} writers: {total} appends in {elapsed:.2f} s = {total / elapsed:.0f} rows/s")

    start = time.perf_counter()
    with db.Session() as session:
        checked, failure = hash_chain.verify(session, ACCESS_LOG_CHAIN)
    elapsed = time.perf_counter() - start
    print(f"verify: {checked} rows in {elapsed:.2f} s = {checked / elapsed:.0f} rows/s; "
          f"{'intact' if failure is None else failure.message}")
    db.dispose()


if __name__ == "__main__":
    main()
