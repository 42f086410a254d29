"""One row of the registry file (住基連携ファイル): parsed and checked, or rejected with a reason."""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from handlers.csv_source import UNDECODABLE
from models.identifiers import (
    IdentifierError,
    validate_municipality_code,
    validate_my_number,
    validate_postal_code,
)
from models.resident_movement import MOVEMENT_LABELS, MovementKind
from models.search_keys import (
    address_key,
    is_katakana_name,
    kana_name_key,
    kanji_name_key,
    nfkc,
    to_full_width_katakana,
)

COLUMNS = (
    "宛名番号", "個人番号", "氏名_姓", "氏名_名", "カナ氏名_姓", "カナ氏名_名", "生年月日", "性別",
    "郵便番号", "住所", "世帯番号", "異動事由", "異動日", "転入前住所", "転入前市町村コード",
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ATENA = re.compile(r"\d{1,15}")
_KATAKANA = re.compile(r"[\u30a1-\u30fc]+")
_REASONS = "・".join(MOVEMENT_LABELS.values())
_MOVEMENTS = {label: kind for kind, label in MOVEMENT_LABELS.items()}
# People of one household share an address and registry files list households
# together, so most addresses were just seen.
_address_key = lru_cache(maxsize=4096)(address_key)


class RowError(ValueError):
    """The row cannot be imported; str(error) is the Japanese reason for the reject file."""


@dataclass(slots=True)
class RegistryRow:
    atena_no: str
    my_number: str | None
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birth_date: date
    sex: str
    postal_code: str | None
    address: str
    household_no: str | None
    movement: MovementKind | None  # 異動事由
    moved_on: date | None  # 異動日
    previous_address: str | None
    previous_municipality_code: str | None
    # Search keys (models/search_keys.py), made while reading so the writer need not.
    name_kanji_key: str = ""
    name_kana_key: str = ""
    address_key: str = ""


def atena_of(fields: list[str]) -> str | None:
    """The row's 宛名番号 when it is well-formed (used even for rows rejected otherwise)."""
    if not fields:
        return None
    value = fields[0].strip()
    if not value.isascii():
        value = nfkc(value)
    return value if _ATENA.fullmatch(value) else None


def parse_row(fields: list[str], today: date) -> RegistryRow:
    if UNDECODABLE in "".join(fields):
        raise RowError("文字コードを読み取れない文字があります。")
    if len(fields) != len(COLUMNS):
        raise RowError(f"項目数が{len(COLUMNS)}ではありません（{len(fields)}項目）。")
    values = list(map(str.strip, fields))
    atena = atena_of(values)
    if atena is None:
        raise RowError("宛名番号は15桁以内の数字です。" if values[0] else "宛名番号が空です。")
    my_number = _my_number(values[1])
    family_name, given_name = _required(values[2], "氏名_姓"), _required(values[3], "氏名_名")
    family_kana = _kana(values[4], "カナ氏名_姓")
    given_kana = _kana(values[5], "カナ氏名_名")
    birth = _date(values[6], "生年月日", today)
    if values[7] not in ("1", "2"):
        raise RowError(f"性別「{values[7]}」は 1（男）または 2（女）です。")
    postal = values[8]
    if len(postal) == 8 and postal[3] == "-":
        postal = postal[:3] + postal[4:]
    if not (len(postal) == 7 and postal.isascii() and postal.isdigit()):
        postal = _optional(values[8], validate_postal_code)
    address = _required(values[9], "住所")
    household = (values[10] if values[10].isascii() else nfkc(values[10])) or None
    movement = None
    moved_on = None
    if values[11]:
        movement = _MOVEMENTS.get(values[11])
        if movement is None:
            raise RowError(f"異動事由「{values[11]}」は定義されていません（{_REASONS}のいずれか）。")
        moved_on = _date(values[12], "異動日", today)
        if moved_on < birth:
            raise RowError("異動日が生年月日より前です。")
    elif values[12]:
        raise RowError("異動日がありますが異動事由が空です。")
    previous_code = _optional(values[14], validate_municipality_code)
    return RegistryRow(
        atena_no=atena, my_number=my_number, family_name=family_name, given_name=given_name,
        family_name_kana=family_kana, given_name_kana=given_kana, birth_date=birth,
        sex=values[7], postal_code=postal, address=address, household_no=household,
        movement=movement, moved_on=moved_on, previous_address=values[13] or None,
        previous_municipality_code=previous_code,
        name_kanji_key=kanji_name_key(family_name, given_name),
        name_kana_key=kana_name_key(family_kana, given_kana),
        address_key=_address_key(address),
    )


def _required(value: str, label: str) -> str:
    if not value:
        raise RowError(f"{label}が空です。")
    return value


def _optional(value: str, validate) -> str | None:
    if not value:
        return None
    try:
        return validate(value)
    except IdentifierError as exc:
        raise RowError(str(exc)) from exc


_MY_NUMBER_WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
_ZEROS = ord("0") * sum(_MY_NUMBER_WEIGHTS)


def _my_number(value: str) -> str | None:
    if len(value) == 12 and value.isascii() and value.isdigit():  # the usual case, quickly
        digits = value.encode()  # bytes iterate as character codes: no int() per digit
        remainder = (sum(map(operator.mul, digits, _MY_NUMBER_WEIGHTS)) - _ZEROS) % 11
        if (0 if remainder <= 1 else 11 - remainder) == digits[11] - ord("0"):
            return value
    return _optional(value, validate_my_number)


def _kana(value: str, label: str) -> str:
    if _KATAKANA.fullmatch(value):
        return value
    # Half-width kana (ｶﾅ) and hiragana are normalised, not rejected.
    kana = to_full_width_katakana(_required(value, label)).replace(" ", "").replace("\u3000", "")
    if not is_katakana_name(kana):
        raise RowError(f"{label}「{value}」に片仮名以外の文字があります。")
    return kana


# Valid dates as written in the file: a population has only some 40,000 birthdays.
_DATES: dict[str, date] = {}
_DATES_KEPT = 100_000


def _date(value: str, label: str, today: date) -> date:
    day = _DATES.get(value)
    if day is None:
        day = _parse_date(value, label)
        if len(_DATES) < _DATES_KEPT:
            _DATES[value] = day
    if day > today:
        raise RowError(f"{label}「{value}」が未来の日付です。")
    return day


def _parse_date(value: str, label: str) -> date:
    if not value:
        raise RowError(f"{label}が空です。")
    text = value if value.isascii() else nfkc(value)
    if not _ISO_DATE.fullmatch(text):
        raise RowError(f"{label}「{value}」は YYYY-MM-DD の形式で記載してください。")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise RowError(f"{label}「{value}」は存在しない日付です。") from exc
