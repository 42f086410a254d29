"""Who may see and search by 個人番号: the per-person permission (個人番号の閲覧権限).

Every screen, PDF and CSV shows a 個人番号 through `visible_my_number`, so a person
without the permission sees `********1234` everywhere; searches by 個人番号 call
`require_my_number_search` first.
"""

from __future__ import annotations

from models.identifiers import mask_my_number
from models.staff import Staff


class MyNumberPermissionError(PermissionError):
    """The person lacks the 個人番号 permission; the message is Japanese."""

    def __init__(self) -> None:
        super().__init__("個人番号の閲覧権限がないため、個人番号では検索できません。")


def may_view_my_number(staff: Staff | None) -> bool:
    return bool(staff is not None and staff.active and staff.may_view_my_number)


def visible_my_number(value: str | None, staff: Staff | None) -> str:
    """The full number for a permitted person, otherwise the masked form."""
    if not value:
        return ""
    return value if may_view_my_number(staff) else mask_my_number(value)


def require_my_number_search(staff: Staff | None) -> None:
    if not may_view_my_number(staff):
        raise MyNumberPermissionError()
