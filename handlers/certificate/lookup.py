"""Finding the applicant in the register for the 接種記録照会 step.

Keys in the order of preference of domain.md §1.9: 接種券番号 (on the person or on one of
their doses), 個人番号 (only for staff holding the permission; the caller checks it) or
3情報 — 氏名 (kana or kanji), 生年月日 and 住所 (a part of the registered address).
"""

from __future__ import annotations

import unicodedata
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models.resident import Resident
from models.vaccination import VaccinationRecord

MAX_CANDIDATES = 20


def by_voucher(session: Session, voucher_no: str) -> list[Resident]:
    """The person holding 接種券番号 `voucher_no` (already validated as 10 digits)."""
    on_dose = select(VaccinationRecord.resident_id).where(VaccinationRecord.voucher_no == voucher_no)
    return list(
        session.scalars(
            select(Resident)
            .where(or_(Resident.voucher_no == voucher_no, Resident.id.in_(on_dose)))
            .order_by(Resident.atena_no)
        )
    )


def by_my_number(session: Session, my_number: str) -> list[Resident]:
    return list(session.scalars(select(Resident).where(Resident.my_number == my_number)))


def by_three_info(session: Session, name: str, birth_date: date, address: str) -> list[Resident]:
    """People born on `birth_date` whose name (kana or kanji, spaces ignored) is `name` and
    whose registered address contains `address` (spaces ignored)."""
    key = name_key(name)
    kana = func.replace(func.replace(Resident.name_kana, "\u3000", ""), " ", "")
    kanji = Resident.family_name + Resident.given_name
    candidates = session.scalars(
        select(Resident)
        .where(Resident.birth_date == birth_date, or_(kana == key, kanji == key))
        .order_by(Resident.atena_no)
        .limit(500)
    )
    wanted = _compact(address)
    return [r for r in candidates if wanted in _compact(r.address)][:MAX_CANDIDATES + 1]


def name_key(name: str) -> str:
    """NFKC, hiragana turned into katakana, without spaces: how names are compared."""
    text = _compact(name)
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in text)


def _compact(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())
