"""What the inbox search box means: a 案件番号 (prefix) or a カナ氏名 (prefix)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

CASE_NO = re.compile(r"[A-Z0-9-]+")
KANA = re.compile(r"[\u30a1-\u30fc\u3000]+")  # full-width katakana, ー and the ideographic space


@dataclass(frozen=True)
class TextQuery:
    kind: str  # "case_no" or "kana"
    value: str


class TextQueryError(ValueError):
    """The text is neither a case number nor kana; the message is Japanese."""


def parse_text_query(text: str) -> TextQuery | None:
    """Normalise what staff typed: full-width/half-width forms, hiragana → katakana, spaces."""
    normalised = unicodedata.normalize("NFKC", text).strip()
    if not normalised:
        return None
    if CASE_NO.fullmatch(normalised.upper()):
        return TextQuery("case_no", normalised.upper())
    katakana = "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in normalised)
    katakana = re.sub(r"\s+", "\u3000", katakana)
    if not KANA.fullmatch(katakana):
        raise TextQueryError("検索語は案件番号（例: R8-CERT-000123）かカナ氏名（例: ヤマダ タロウ）で入力してください")
    return TextQuery("kana", katakana)


def like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"
