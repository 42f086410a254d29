"""How much of a person the inbox shows (対象者).

The inbox lists many people on a screen that others at the counter may see, so it shows
no 個人番号, birth date or address, whatever the viewer's permissions. In 自分の担当 (tasks
the viewer holds and works on) the full 氏名 is shown; in the shared queue and the archive
only the family name and the first character of the given name (金沢　太＊), enough to
recognise a case the viewer is asked about. The task screen shows the person in full.
"""

from __future__ import annotations


def full_name(family: str | None, given: str | None) -> str:
    if family is None:
        return ""
    return f"{family}\u3000{given or ''}".strip()


def short_name(family: str | None, given: str | None) -> str:
    if family is None:
        return ""
    return f"{family}\u3000{(given or '')[:1]}＊"
