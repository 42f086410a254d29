"""Normalised search keys for people: 氏名 (kanji and kana) and 住所.

Registry files, counter staff and clinic CSVs spell the same person differently:
full-width or half-width (全角/半角), hiragana or katakana, 旧字体 or 新字体
(髙/高, 﨑/崎, 𠮷/吉, 濵/浜), 丁目 in kanji or arabic numerals. Each key folds
those differences away; a search compares keys made by the same function.
"""

from __future__ import annotations

import re
import unicodedata

# 旧字体/異体字 often found in names → the form people type. NFKC does not fold these
# (several, like 﨑 U+FA11, are compatibility ideographs without a decomposition).
_VARIANTS = str.maketrans({
    "髙": "高", "﨑": "崎", "嵜": "崎", "𠮷": "吉", "濵": "浜", "濱": "浜",
    "邊": "辺", "邉": "辺", "齋": "斎", "齊": "斉", "澤": "沢", "嶋": "島",
    "嶌": "島", "廣": "広", "國": "国", "櫻": "桜", "德": "徳", "眞": "真",
    "惠": "恵", "藏": "蔵", "冨": "富", "瀨": "瀬", "條": "条", "淺": "浅",
    "實": "実", "榮": "栄", "學": "学", "來": "来", "黑": "黒", "圓": "円",
    "寳": "宝", "寶": "宝", "靜": "静", "壽": "寿", "彌": "弥", "與": "与",
    "舘": "館", "𣘺": "橋", "槗": "橋", "曻": "昇",
})

_HAS_VARIANT = re.compile("[" + "".join(chr(c) for c in _VARIANTS) + "]")


def _fold_variants(text: str) -> str:
    return text.translate(_VARIANTS) if _HAS_VARIANT.search(text) else text


# Small kana and ヂ/ヅ are folded: older registers wrote キヨウコ for キョウコ.
_KANA_FOLD = str.maketrans({
    "ァ": "ア", "ィ": "イ", "ゥ": "ウ", "ェ": "エ", "ォ": "オ", "ッ": "ツ",
    "ャ": "ヤ", "ュ": "ユ", "ョ": "ヨ", "ヮ": "ワ", "ヵ": "カ", "ヶ": "ケ",
    "ヂ": "ジ", "ヅ": "ズ",
})

_SPACES = re.compile(r"[\s・･]+")
_HIRAGANA = re.compile(r"[\u3041-\u3096]")
_KATAKANA_NAME = re.compile(r"[\u30a1-\u30fc]+")
_KANJI_DIGITS = "〇一二三四五六七八九"
_NUMERAL = rf"[0-9{_KANJI_DIGITS}十]+"
_DASHES = re.compile(r"(?<=[0-9])[-‐‑‒–—―ー−－](?=[0-9])")


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def to_full_width_katakana(text: str) -> str:
    """Half-width kana (ｶﾅ) and hiragana become full-width katakana; other text is kept."""
    text = unicodedata.normalize("NFKC", text)
    return _HIRAGANA.sub(lambda m: chr(ord(m.group()) + 0x60), text)


def is_katakana_name(text: str) -> bool:
    return bool(_KATAKANA_NAME.fullmatch(text))


def kanji_name_key(*parts: str | None) -> str:
    """氏名 key: NFKC, 旧字体 folded, no spaces; 'ＹＡＭＡ﨑　太郎' → 'YAMA崎太郎'."""
    text = "".join(p for p in parts if p)
    return _fold_variants(_SPACES.sub("", nfkc(text)))


def kana_name_key(*parts: str | None) -> str:
    """カナ氏名 key: full-width katakana, small kana and ヂ/ヅ folded, no spaces."""
    text = "".join(p for p in parts if p)
    if not _KATAKANA_NAME.fullmatch(text):  # already clean: the registry import's case
        text = _SPACES.sub("", to_full_width_katakana(text))
    return text.translate(_KANA_FOLD)


def _number(numeral: str) -> str:
    """'二十三' → '23', '一〇' → '10', '12' → '12'."""
    if numeral.isdigit() and numeral.isascii():
        return numeral
    if "十" in numeral:
        tens, _, units = numeral.partition("十")
        value = (_KANJI_DIGITS.index(tens) if tens else 1) * 10
        return str(value + (_KANJI_DIGITS.index(units) if units else 0))
    return "".join(str(_KANJI_DIGITS.index(c)) if c in _KANJI_DIGITS else c for c in numeral)


# One pass over "<number>丁目", "<number>番地", "<number>番" (before a number) and
# "<number>号" (not followed by a kanji, so 号館 or 号棟 stay).
_HOUSE_NUMBER = re.compile(
    rf"({_NUMERAL})(丁目|番地|番(?=\s*[0-9{_KANJI_DIGITS}十]|$)|号(?![\u4e00-\u9fff]))"
)
_NO = re.compile(r"(?<=[0-9])-?の(?=[0-9])")


def _kanji(n: int) -> str:
    tens, units = divmod(n, 10)
    return ((_KANJI_DIGITS[tens] if tens > 1 else "") + "十" if tens else "") + (
        _KANJI_DIGITS[units] if units else "")


# Precomputed: an address has three or four numbers, and this runs for every resident.
_KANJI_NUMBERS = {_kanji(n): str(n) for n in range(1, 100)}


def _house_number(match: re.Match[str]) -> str:
    numeral = match.group(1)
    number = _KANJI_NUMBERS.get(numeral) or _number(numeral)
    return number + ("" if match.group(2) == "号" else "-")


def address_key(address: str | None) -> str:
    """住所 key: '広坂二丁目9番99号 テストハイツ101' → '広坂2-9-99テストハイツ101'."""
    if not address:
        return ""
    text = _HOUSE_NUMBER.sub(_house_number, nfkc(address).strip())
    text = _SPACES.sub("", text)
    text = _NO.sub("-", text)
    text = _DASHES.sub("-", text)
    return _fold_variants(text).rstrip("-")


_ABBREVIATE = re.compile(r"^(.*?(?:丁目|[0-9０-９]))")


def abbreviated_address(address: str) -> str:
    """Enough of an address to tell people apart: prefecture dropped, cut after 丁目."""
    text = re.sub(r"^.{2,3}?[都道府県]", "", address, count=1)
    match = _ABBREVIATE.match(text)
    if not match:
        return text
    head = match.group(1)
    return (head if head.endswith("丁目") else head[:-1]) + "…"
