"""Validation of the identifiers Sesshu stores, shared by forms, imports and the CLI.

Every validator takes what a person typed or a file held and returns the canonical
form, or raises IdentifierError with a Japanese message that can be shown as is.
Full-width digits (全角数字) and the usual separators are normalised rather than
rejected: counter staff type with the IME on, and registry files mix both.
"""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―ー−－]")
_DIGITS = re.compile(r"[0-9]+")


class IdentifierError(ValueError):
    """An identifier failed validation; str(error) is a Japanese message for the user."""


def _digits(value: str | None, label: str, length: int) -> str:
    if value is None or not str(value).strip():
        raise IdentifierError(f"{label}を入力してください。")
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(value)))
    if not _DIGITS.fullmatch(text):
        raise IdentifierError(f"{label}は数字{length}桁で入力してください。")
    if len(text) != length:
        raise IdentifierError(f"{label}は{length}桁です（入力は{len(text)}桁）。")
    return text


def my_number_check_digit(first11: str) -> int:
    """個人番号 check digit (総務省令第85号 第5条).

    Weights run 6,5,4,3,2,7,6,5,4,3,2 over digits 1..11 from the left; a
    remainder of 0 or 1 gives check digit 0.
    """
    weights = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    remainder = sum(int(d) * w for d, w in zip(first11, weights, strict=True)) % 11
    return 0 if remainder <= 1 else 11 - remainder


def validate_my_number(value: str | None) -> str:
    """個人番号 (マイナンバー): 12 digits, the last one a check digit."""
    text = _digits(value, "個人番号", 12)
    if my_number_check_digit(text[:11]) != int(text[11]):
        raise IdentifierError("個人番号の検査用数字が一致しません。番号を確認してください。")
    return text


def mask_my_number(value: str | None) -> str:
    """The form shown to staff without the 個人番号 permission: ********1234."""
    if not value:
        return ""
    return "*" * (len(value) - 4) + value[-4:]


def municipality_check_digit(first5: str) -> int:
    """全国地方公共団体コード check digit (JIS X 0402): weights 6..2, mod 11."""
    weights = (6, 5, 4, 3, 2)
    remainder = sum(int(d) * w for d, w in zip(first5, weights, strict=True)) % 11
    return (11 - remainder) % 10


def validate_municipality_code(value: str | None) -> str:
    """市町村コード: 6 digits (5 + check digit), e.g. 172014 for 金沢市."""
    text = _digits(value, "市町村コード", 6)
    if municipality_check_digit(text[:5]) != int(text[5]):
        raise IdentifierError("市町村コードの検査数字が一致しません。")
    return text


def validate_voucher_no(value: str | None) -> str:
    """接種券番号 (券番号): 10 digits, fixed length; allocation is the city's own."""
    return _digits(value, "接種券番号", 10)


def validate_postal_code(value: str | None) -> str:
    """郵便番号: stored as 7 digits without the hyphen."""
    return _digits(value, "郵便番号", 7)


def format_postal_code(value: str) -> str:
    return f"{value[:3]}-{value[3:]}" if len(value) == 7 else value
