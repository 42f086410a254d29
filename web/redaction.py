"""個人番号 inside free text and submitted form data, as the current staff member may see it.

Form data, message payloads and error notes are stored as they came; before any of it
reaches a screen, every 個人番号 in it is shown through `shown_my_number` (masked for
staff without the permission). A number is recognised by its check digit, written
with or without separators and in full-width digits, and any value of a field whose
name or label says it holds a 個人番号 is treated as one whatever it looks like.
"""

from __future__ import annotations

import re
import unicodedata

from models.identifiers import my_number_check_digit
from models.staff import Staff
from web.masking import shown_my_number

# Twelve digits (half- or full-width), optionally in groups of four with a space or hyphen,
# not inside a longer number.
_DIGIT = "[0-9\uff10-\uff19]"
_SEPARATOR = "[ \u3000\\-\uff0d]?"
_CANDIDATE = re.compile(
    f"(?<!{_DIGIT}){_DIGIT}{{4}}{_SEPARATOR}{_DIGIT}{{4}}{_SEPARATOR}{_DIGIT}{{4}}(?!{_DIGIT})"
)
_FIELD_HINTS = ("個人番号", "マイナンバー", "my_number", "mynumber", "kojin_bango")


def _digits(text: str) -> str:
    return re.sub(r"[^0-9]", "", unicodedata.normalize("NFKC", text))


def _is_my_number(digits: str) -> bool:
    return len(digits) == 12 and my_number_check_digit(digits[:11]) == int(digits[11])


def redact_text(text: str, staff: Staff | None = None) -> str:
    """`text` with every 個人番号 in it shown as `staff` (default: the current one) may see it."""
    if not text:
        return text

    def replace(match: re.Match[str]) -> str:
        digits = _digits(match.group(0))
        return shown_my_number(digits, staff) if _is_my_number(digits) else match.group(0)

    return _CANDIDATE.sub(replace, text)


def holds_my_number(name: str, label: str | None = None) -> bool:
    """Whether a form field is meant for a 個人番号, judged by its name or label."""
    words = f"{name} {label or ''}".lower()
    return any(hint in words for hint in _FIELD_HINTS)


def redact_field(name: str, label: str | None, shown: str, staff: Staff | None = None) -> str:
    """The shown value of a form field, masked entirely when the field holds a 個人番号."""
    if holds_my_number(name, label) and shown:
        return shown_my_number(_digits(shown) or shown, staff)
    return redact_text(shown, staff)
