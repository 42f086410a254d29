"""COVID-19 vaccine products (販売名) used in Japan, their makers, periods of use and lot formats.

Lot formats (domain.md §7.3): ファイザー two capital letters and four digits
(e.g. FC9880), モデルナ seven digits (e.g. 3004667); other makers' formats are not
published, so any lot of up to 20 characters (the ICAO `lot` maximum) is accepted.
The periods are when each product was in use for this city's doses; extend this
table when a new product or season starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from models.search_keys import nfkc

LOT_MAX_LENGTH = 20


@dataclass(frozen=True)
class VaccineProduct:
    name: str
    maker: str
    first_day: date
    last_day: date


_LOT_FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    "ファイザー": (re.compile(r"[A-Z]{2}\d{4}"), "英大文字2文字＋数字4桁"),
    "モデルナ": (re.compile(r"\d{7}"), "数字7桁"),
}

PRODUCTS: tuple[VaccineProduct, ...] = (
    VaccineProduct("コミナティ筋注", "ファイザー", date(2021, 2, 17), date(2022, 9, 30)),
    VaccineProduct("スパイクバックス筋注", "モデルナ", date(2021, 5, 24), date(2022, 9, 30)),
    VaccineProduct("バキスゼブリア筋注", "アストラゼネカ", date(2021, 8, 3), date(2021, 12, 31)),
    VaccineProduct("ヌバキソビッド筋注", "武田（ノババックス）", date(2022, 5, 25), date(2023, 3, 31)),
    VaccineProduct("コミナティRTU筋注（2価：起源株/オミクロン株BA.1）", "ファイザー",
                   date(2022, 9, 20), date(2022, 12, 31)),
    VaccineProduct("スパイクバックス筋注（2価：起源株/オミクロン株BA.1）", "モデルナ",
                   date(2022, 9, 20), date(2022, 12, 31)),
    VaccineProduct("コミナティRTU筋注（2価：起源株/オミクロン株BA.4-5）", "ファイザー",
                   date(2022, 10, 13), date(2023, 9, 19)),
    VaccineProduct("スパイクバックス筋注（2価：起源株/オミクロン株BA.4-5）", "モデルナ",
                   date(2022, 10, 13), date(2023, 9, 19)),
    VaccineProduct("コミナティ筋注（1価：オミクロン株XBB.1.5）", "ファイザー",
                   date(2023, 9, 20), date(2024, 3, 31)),
    VaccineProduct("スパイクバックス筋注（1価：オミクロン株XBB.1.5）", "モデルナ",
                   date(2023, 9, 20), date(2024, 3, 31)),
    # 定期接種 (B類) seasons from 2024-10-01.
    VaccineProduct("コミナティ筋注（1価：オミクロン株JN.1）", "ファイザー",
                   date(2024, 10, 1), date(2026, 3, 31)),
    VaccineProduct("スパイクバックス筋注（1価：オミクロン株JN.1）", "モデルナ",
                   date(2024, 10, 1), date(2026, 3, 31)),
    VaccineProduct("ダイチロナ筋注", "第一三共", date(2024, 10, 1), date(2026, 3, 31)),
    VaccineProduct("コスタイベ筋注用", "Meiji Seika ファルマ", date(2024, 10, 1), date(2026, 3, 31)),
    VaccineProduct("ヌバキソビッド筋注（JN.1）", "武田（ノババックス）",
                   date(2024, 10, 1), date(2026, 3, 31)),
)


def _key(text: str) -> str:
    return re.sub(r"\s+", "", nfkc(text))


_BY_NAME = {_key(p.name): p for p in PRODUCTS}


def find_product(name: str) -> VaccineProduct | None:
    """The product named, ignoring 全角/半角 and spaces."""
    return _BY_NAME.get(_key(name))


def same_maker(product: VaccineProduct, maker: str) -> bool:
    return _key(product.maker) == _key(maker)


def lot_problem(maker: str, lot_no: str) -> str | None:
    """Why `lot_no` is implausible for `maker`, or None."""
    if not lot_no:
        return "Lot.No が空です。"
    if len(lot_no) > LOT_MAX_LENGTH:
        return f"Lot.No は{LOT_MAX_LENGTH}文字以内です。"
    rule = _LOT_FORMATS.get(_key(maker))
    if rule and not rule[0].fullmatch(lot_no):
        return f"Lot.No「{lot_no}」は{maker}の形式（{rule[1]}）ではありません。"
    return None
