"""Tamper-evident, append-only logs: each row carries a SHA-256 over its content
and the previous row's hash.

A one-row head per chain (`log_chain_head`) serialises appends: the first statement
of an append is an UPDATE of that row, which takes SQLite's write lock or a
PostgreSQL row lock, so two concurrent appends can never link to the same
predecessor. The head also remembers the last row (so that deleting the newest rows
is detected) and, after a purge, the anchor the new first row links to.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Integer, String, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base

GENESIS_HASH = "0" * 64


class ChainHead(Base):
    """Where one hash chain currently ends (and, after a purge, where it starts)."""

    __tablename__ = "log_chain_head"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_id: Mapped[int | None] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    # First row kept after a purge, and the hash it links to.
    anchor_id: Mapped[int | None] = mapped_column(Integer)
    anchor_prev_hash: Mapped[str] = mapped_column(String(64))


@dataclass(frozen=True)
class ChainSpec:
    """How a model takes part in a chain: its name and the fields its hash covers.

    The model has `id`, `at` (purge cuts by it), `prev_hash` and `row_hash` columns.
    """

    name: str
    model: type[Base]
    fields: tuple[str, ...]


def canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def compute_hash(values: Sequence[Any], prev_hash: str) -> str:
    payload = json.dumps(
        [*(canonical(v) for v in values), prev_hash], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _row_hash(spec: ChainSpec, row: Any) -> str:
    return compute_hash([getattr(row, f) for f in spec.fields], row.prev_hash)


def _lock_head(session: Session, name: str) -> None:
    head = ChainHead.__table__
    touch = update(head).where(head.c.name == name).values(name=head.c.name)
    if session.execute(touch).rowcount:
        return
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(head)
        .values(name=name, last_hash=GENESIS_HASH, anchor_prev_hash=GENESIS_HASH)
        .on_conflict_do_nothing()
    )
    session.execute(touch)


def append(session: Session, spec: ChainSpec, row: Any, stamp: Callable[[Any], None]) -> Any:
    """Add `row` at the end of the chain, in the caller's transaction.

    `stamp(row)` runs once the chain is locked, so that the row's timestamp follows
    the chain's order.
    """
    _lock_head(session, spec.name)
    head = ChainHead.__table__
    last_hash = session.execute(
        select(head.c.last_hash).where(head.c.name == spec.name)
    ).scalar_one()
    stamp(row)
    row.prev_hash = last_hash
    row.row_hash = _row_hash(spec, row)
    session.add(row)
    session.flush()
    session.execute(
        update(head).where(head.c.name == spec.name).values(last_hash=row.row_hash, last_id=row.id)
    )
    return row


@dataclass(frozen=True)
class ChainBreak:
    """The first row where the chain does not hold; `message` is Japanese."""

    row_id: int | None
    message: str


def _rows(session: Session, spec: ChainSpec, start_id: int | None) -> Iterator[Any]:
    model = spec.model
    query = select(model).order_by(model.id).execution_options(yield_per=2000)
    if start_id is not None:
        query = query.where(model.id >= start_id)
    for row in session.scalars(query):
        yield row
        session.expunge(row)


def _head(session: Session, name: str) -> Any:
    head = ChainHead.__table__
    return session.execute(select(head).where(head.c.name == name)).first()


def verify(session: Session, spec: ChainSpec) -> tuple[int, ChainBreak | None]:
    """Walk the chain from its anchor; return rows checked and the first break, if any.

    Rows appended while the walk runs are fine; rows the head never recorded (added
    behind the application's back) and rows missing at the end are breaks.
    """
    head = _head(session, spec.name)
    expected_prev = head.anchor_prev_hash if head else GENESIS_HASH
    start_id = head.anchor_id if head else None
    checked = 0
    walked: list[int] = []
    seen_recorded_end = head is None or head.last_id is None
    for row in _rows(session, spec, start_id):
        if row.prev_hash != expected_prev:
            return checked, ChainBreak(
                row.id, f"ID {row.id} の行が直前の行とつながっていません（直前の行の削除または改ざん）。"
            )
        if _row_hash(spec, row) != row.row_hash:
            return checked, ChainBreak(row.id, f"ID {row.id} の行の内容が改ざんされています。")
        if head is not None and row.id == head.last_id and row.row_hash == head.last_hash:
            seen_recorded_end = True
        expected_prev = row.row_hash
        walked.append(row.id)
        checked += 1
    if head is None:
        return checked, (ChainBreak(walked[0], "チェーンの管理情報がありません。") if walked else None)
    if not seen_recorded_end:
        return checked, ChainBreak(
            head.last_id, f"ID {head.last_id} までの行があるはずですが、末尾の行が削除されています。"
        )
    latest = _head(session, spec.name)  # appends may have moved the head meanwhile
    unrecorded = [i for i in walked if latest.last_id is None or i > latest.last_id]
    if unrecorded:
        return checked, ChainBreak(
            unrecorded[0], f"ID {unrecorded[0]} の行はアプリケーションを通さずに追加されています。"
        )
    return checked, None


def purge_before(session: Session, spec: ChainSpec, before: datetime) -> int:
    """Delete rows stamped before `before` and anchor the first row kept.

    Rows are removed from the start of the chain only, so the rest stays verifiable.
    """
    _lock_head(session, spec.name)
    model = spec.model
    first_kept = session.execute(
        select(model.id, model.prev_hash).where(model.at >= before).order_by(model.id).limit(1)
    ).first()
    head = ChainHead.__table__
    if first_kept is None:
        cut_filter = model.id.is_not(None)
        last_hash = session.execute(
            select(head.c.last_hash).where(head.c.name == spec.name)
        ).scalar_one()
        anchor = {"anchor_id": None, "anchor_prev_hash": last_hash, "last_id": None}
    else:
        cut_filter = model.id < first_kept.id
        anchor = {"anchor_id": first_kept.id, "anchor_prev_hash": first_kept.prev_hash}
    count = session.scalar(select(func.count()).select_from(model).where(cut_filter)) or 0
    session.execute(delete(model).where(cut_filter))
    session.execute(update(head).where(head.c.name == spec.name).values(**anchor))
    return count
