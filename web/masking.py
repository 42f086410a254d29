"""個人番号 on screens and in files: full only for staff holding the permission.

Templates use the filter `{{ resident.my_number | my_number }}`; Python code
(CSV, PDF) calls `shown_my_number(value)`. A screen that searches by 個人番号
calls `require_my_number_search()` first (it aborts with 403 and a Japanese
message for staff without the permission).
"""

from __future__ import annotations

from flask import Flask, abort

from models.my_number_access import (
    MyNumberPermissionError,
    may_view_my_number,
    visible_my_number,
)
from models.my_number_access import (
    require_my_number_search as _require,
)
from models.staff import Staff
from web.auth.current import current_staff

__all__ = [
    "MyNumberPermissionError", "current_may_view_my_number", "require_my_number_search",
    "shown_my_number",
]


def shown_my_number(value: str | None, staff: Staff | None = None) -> str:
    """`value` as the current (or given) staff member may see it: full or ********1234."""
    return visible_my_number(value, staff if staff is not None else current_staff())


def current_may_view_my_number() -> bool:
    return may_view_my_number(current_staff())


def require_my_number_search() -> None:
    try:
        _require(current_staff())
    except MyNumberPermissionError as exc:
        abort(403, description=str(exc))


def init_app(app: Flask) -> None:
    app.add_template_filter(shown_my_number, "my_number")
