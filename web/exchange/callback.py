"""POST /intermediary/callback: where the 中間サーバ delivers 照会結果 and incoming 情報照会.

Public in the sense of needing no login: each request is authenticated by its HMAC
signature (handlers.intermediary.receive), and CSRF does not apply to a machine
caller. A repeat of a message is answered as the first time and changes nothing.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request

from models.base import utcnow
from web import clock
from web.exchange import jobs
from web.exchange.settings import exchange_settings
from web.security import csrf, public

log = logging.getLogger(__name__)
bp = Blueprint("intermediary", __name__)

MAX_BODY = 1024 * 1024  # messages are small; anything larger is refused unread


def _too_large() -> Response:
    body = '{"status": "error", "error": {"code": "E_MALFORMED", "message": "電文が大きすぎます。"}}'
    return Response(body, status=413, mimetype="application/json")


@bp.post("/intermediary/callback")
@public
@csrf.exempt
def callback() -> Response:
    if (request.content_length or 0) > MAX_BODY:
        return _too_large()
    body = request.stream.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        return _too_large()
    from handlers.intermediary import receive

    settings = exchange_settings()
    db = current_app.extensions["sesshu_db"]
    now_clock = current_app.extensions.get(clock.CLOCK_KEY, utcnow)
    with db.transaction() as session:
        receipt = receive(session, request.headers, body, settings.intermediary, clock.now())
        case_id = jobs.route_receipt(session, receipt, now_clock) if receipt.http_status < 300 else None
    response = Response(receipt.body, status=receipt.http_status, mimetype="application/json")
    if case_id is not None:
        # After the reply has gone out: send what the case prepared (e.g. an automatic answer).
        def deliver_after_reply() -> None:
            try:
                jobs.deliver_pending(db, settings, now_clock, case_ids=[case_id])
            except Exception:  # the worker delivers it on its next pass
                log.exception("delivery after callback failed for case %s", case_id)

        response.call_on_close(deliver_after_reply)
    return response
