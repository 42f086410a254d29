"""A person's residence history (異動履歴) for the resident page: 転入 from where and when, etc."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.resident_movement import MovementKind, ResidentMovement


@dataclass(frozen=True)
class HistoryEntry:
    kind: str  # 転入 / 転出 / 死亡 / 氏名変更 / 住所変更
    occurred_on: date | None  # 異動日; None when the registry did not say
    previous_value: str | None  # 転入前住所, or the old name or address
    new_value: str | None
    previous_municipality_code: str | None
    note: str | None
    recorded_at: datetime


def residence_history(session: Session, resident_id: int) -> list[HistoryEntry]:
    """Oldest first; movements of unknown date sort by when Sesshu learnt of them."""
    rows = session.scalars(
        select(ResidentMovement).where(ResidentMovement.resident_id == resident_id)
        .order_by(ResidentMovement.recorded_at, ResidentMovement.id)
    ).all()
    entries = [
        HistoryEntry(
            kind=MovementKind(m.kind).label, occurred_on=m.occurred_on,
            previous_value=m.previous_value, new_value=m.new_value,
            previous_municipality_code=m.previous_municipality_code, note=m.note,
            recorded_at=m.recorded_at,
        )
        for m in rows
    ]
    return sorted(entries, key=lambda e: (e.occurred_on or e.recorded_at.date(),
                                          e.recorded_at))
