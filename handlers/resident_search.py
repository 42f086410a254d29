"""Finding a person (個人の検索) for the screens: by 接種券番号, 個人番号 or 3情報.

Results carry just enough to tell people apart (氏名, カナ, 生年月日, 性別, 住所 cut
after 丁目, status) and never the 個人番号. These functions only read: the screen
that opens a person asks for the 処理事由 and writes the access-log row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from models.identifiers import IdentifierError, validate_my_number, validate_voucher_no
from models.resident import Resident, ResidentStatus, Sex
from models.search_keys import (
    abbreviated_address,
    address_key,
    is_katakana_name,
    kana_name_key,
    kanji_name_key,
    to_full_width_katakana,
)
from models.vaccination import VaccinationRecord
from models.wareki import WarekiError, parse_date

DEFAULT_LIMIT = 50


class SearchError(ValueError):
    """The search cannot be run as asked; str(error) is a Japanese message for the screen."""


class SearchNotPermitted(SearchError):
    """The staff member lacks the permission the search needs (個人番号による検索)."""


@dataclass(frozen=True)
class PersonSummary:
    resident_id: int
    name: str  # 漢字氏名, as registered
    name_kana: str
    birth_date: date
    sex: str  # 男 / 女
    address: str  # abbreviated: prefecture dropped, cut after 丁目
    status: str  # 住民 / 転出 / 死亡


@dataclass(frozen=True)
class SearchResult:
    people: list[PersonSummary]
    truncated: bool  # more people matched than the limit: ask for another item


def search_by_voucher_no(session: Session, voucher_no: str) -> SearchResult:
    """接種券番号: the person it was issued to, or who used it for a recorded dose."""
    number = _identifier(validate_voucher_no, voucher_no)
    used = select(VaccinationRecord.resident_id).where(VaccinationRecord.voucher_no == number)
    return _run(session, select(Resident).where(
        or_(Resident.voucher_no == number, Resident.id.in_(used))
    ), DEFAULT_LIMIT)


def search_by_my_number(
    session: Session, my_number: str, *, may_search_by_my_number: bool
) -> SearchResult:
    """個人番号: only for staff who hold the permission (the caller says whether they do)."""
    if not may_search_by_my_number:
        raise SearchNotPermitted("個人番号で検索する権限がありません。")
    number = _identifier(validate_my_number, my_number)
    return _run(session, select(Resident).where(Resident.my_number == number), DEFAULT_LIMIT)


def search_by_three_items(
    session: Session,
    *,
    name: str | None = None,
    birth_date: date | str | None = None,
    address: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> SearchResult:
    """3情報 (氏名・生年月日・住所): at least two of them.

    氏名 in kanji or kana, 全角 or 半角, 旧字体 or not, surname alone or full name;
    生年月日 as a date or text (ISO or 和暦: 昭和55年3月1日, S55.3.1);
    住所 in part, 丁目 in kanji or arabic numerals.
    """
    name = (name or "").strip()
    address = (address or "").strip()
    if isinstance(birth_date, str):
        birth_date = _birth_date(birth_date) if birth_date.strip() else None
    if sum(bool(item) for item in (name, birth_date, address)) < 2:
        raise SearchError("氏名・生年月日・住所のうち2つ以上を入力してください。")
    query = select(Resident)
    if name:
        query = query.where(_name_condition(name))
    if birth_date:
        query = query.where(Resident.birth_date == birth_date)
    if address:
        key = address_key(address)
        if not key:
            raise SearchError("住所を入力してください。")
        query = query.where(Resident.address_key.contains(key, autoescape=True))
    return _run(session, query, limit)


def _name_condition(name: str):
    kana = to_full_width_katakana(name).replace(" ", "").replace("\u3000", "")
    if is_katakana_name(kana):
        return Resident.name_kana_key.startswith(kana_name_key(kana), autoescape=True)
    key = kanji_name_key(name)
    if not key:
        raise SearchError("氏名を入力してください。")
    return Resident.name_kanji_key.startswith(key, autoescape=True)


def _birth_date(text: str) -> date:
    try:
        return parse_date(text)
    except WarekiError as exc:
        raise SearchError(f"生年月日: {exc}") from exc


def _identifier(validate, value: str) -> str:
    try:
        return validate(value)
    except IdentifierError as exc:
        raise SearchError(str(exc)) from exc


def _run(session: Session, query: Select, limit: int) -> SearchResult:
    rows = session.scalars(
        query.order_by(Resident.name_kana_key, Resident.birth_date, Resident.id).limit(limit + 1)
    ).all()
    return SearchResult([_summary(r) for r in rows[:limit]], truncated=len(rows) > limit)


def _summary(resident: Resident) -> PersonSummary:
    return PersonSummary(
        resident_id=resident.id,
        name=resident.full_name,
        name_kana=resident.name_kana,
        birth_date=resident.birth_date,
        sex=Sex(resident.sex).label,
        address=abbreviated_address(resident.address),
        status=ResidentStatus(resident.status).label,
    )
