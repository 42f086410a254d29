"""Who uses the resident screens, and the 処理事由 a person gave for opening a resident.

住民検索 and the resident page serve 窓口職員, 監督者 and 審査担当 (certificates, transfer-in
queries, relief claims all start from a person). Entering and correcting vaccination
records is for 窓口職員 and 監督者 only. The 自動応答不可フラグ is shown to whoever may
reach the flag screen (or, while no flag screen is installed, to 監督者).

A person opened from the search results with a reason may be viewed again in the same
login session under that reason; every view still writes its own access-log row.
"""

from __future__ import annotations

from flask import current_app, session, url_for
from werkzeug.routing import BuildError

from models.staff import Role
from web.auth.current import current_staff
from web.security import may_reach

RESIDENT_ROLES = (Role.COUNTER, Role.SUPERVISOR, Role.EXAMINER)
RECORD_ROLES = (Role.COUNTER, Role.SUPERVISOR)
FLAG_ENDPOINT = "exchange.flag"  # the 自動応答不可フラグ screen, when installed
REASONS_KEY = "resident_reasons"
MAX_REMEMBERED = 30


def remember_reason(resident_id: int, reason: str) -> None:
    reasons: dict[str, str] = dict(session.get(REASONS_KEY, {}))
    reasons.pop(str(resident_id), None)
    reasons[str(resident_id)] = reason
    session[REASONS_KEY] = dict(list(reasons.items())[-MAX_REMEMBERED:])


def reason_for(resident_id: int) -> str | None:
    return session.get(REASONS_KEY, {}).get(str(resident_id))


def may_record() -> bool:
    staff = current_staff()
    return staff is not None and staff.has_role(*RECORD_ROLES)


def reachable_url(endpoint: str, **values) -> str | None:
    """The URL of `endpoint` when it is installed and the current staff member may reach it."""
    staff = current_staff()
    if staff is None or endpoint not in current_app.view_functions:
        return None
    if not may_reach(current_app, endpoint, staff.roles):
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def shows_flag() -> bool:
    """Whether the current staff member needs the 自動応答不可フラグ state."""
    staff = current_staff()
    if staff is None:
        return False
    if FLAG_ENDPOINT in current_app.view_functions:
        return may_reach(current_app, FLAG_ENDPOINT, staff.roles)
    return staff.has_role(Role.SUPERVISOR)
