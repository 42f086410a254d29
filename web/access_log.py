"""Writing the access log (アクセスログ) from a request.

Every view, search, update, print and export of a resident's data calls
`log_access` in the same transaction as the work it records:

    log_access(AccessAction.VIEW, atena_no=resident.atena_no, reason=form.reason.data)
    session().commit()

The row takes 職員, 部署 and 端末 (IP + user agent) from the request. Name the
person by 宛名番号 only — never a 個人番号. Call it after the transaction's other
writes: the append locks the log's head row until commit, so taking it last keeps
lock waits short and lock order the same everywhere.
"""

from __future__ import annotations

from models.access_log import ACCESS_REASONS, AccessAction, AccessLog, record_access
from web import clock
from web.auth.current import request_actor
from web.db import session

__all__ = ["ACCESS_REASONS", "AccessAction", "log_access"]


def log_access(
    action: AccessAction,
    *,
    atena_no: str | None = None,
    reason: str | None = None,
    detail: str | None = None,
) -> AccessLog:
    """Append an access-log row to the request's session; the caller commits."""
    return record_access(
        session(), request_actor(), action, atena_no=atena_no, reason=reason, detail=detail,
        now=clock.now(),
    )
