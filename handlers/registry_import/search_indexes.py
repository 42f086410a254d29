"""A first full import on PostgreSQL loads `resident` without its search indexes.

Maintaining the non-unique search indexes row by row is most of what PostgreSQL
spends on a first million-row import; one CREATE INDEX per index over the loaded
table is several times cheaper. The primary key and the unique constraints
(宛名番号, 個人番号, 接種券番号) are never dropped, so correctness does not depend
on the rebuild: a crash between the drop and the rebuild leaves slower searches,
never wrong data, and the next registry import on PostgreSQL (the resumed run or
any other file) builds whatever is missing before it completes.
"""

from __future__ import annotations

from sqlalchemy import Index, text
from sqlalchemy.orm import Session

from models.resident import Resident

# Deferred only when the file would at least ten-fold the table: on a populated
# table, maintaining the indexes for the few rows that change costs less.
DEFER_BELOW = 0.1
# Sorting a million keys in memory instead of in temporary files (this session only).
BUILD_MEMORY = "256MB"


def search_indexes() -> list[Index]:
    return sorted((i for i in Resident.__table__.indexes if not i.unique), key=lambda i: i.name)


def defer_search_indexes(session: Session, file_rows: int) -> bool:
    """Drop the search indexes when `resident` is nearly empty beside the file."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    stored = session.scalar(text("SELECT count(*) FROM resident"))
    if stored >= DEFER_BELOW * file_rows:
        return False
    for index in search_indexes():
        session.execute(text(f'DROP INDEX IF EXISTS "{index.name}"'))
    return True


def missing_search_indexes(session: Session) -> list[Index]:
    if session.get_bind().dialect.name != "postgresql":
        return []
    present = set(session.scalars(text(
        "SELECT indexname FROM pg_indexes"
        " WHERE schemaname = current_schema() AND tablename = 'resident'"
    )))
    return [index for index in search_indexes() if index.name not in present]


def restore_search_indexes(session: Session) -> int:
    """Build the search indexes that are missing; returns how many were built."""
    missing = missing_search_indexes(session)
    if not missing:
        return 0
    session.execute(text(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'"))
    for index in missing:
        index.create(session.connection())
    # The planner's statistics still describe the table before the load.
    session.execute(text("ANALYZE resident"))
    return len(missing)
