"""GET /.well-known/jwks.json: the public keys that verify this city's SMART Health Cards.

A deliberately public route (no login): verifier apps anywhere fetch it, so it is
served with CORS open, as the SMART Health Cards specification requires.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from web.certificate_settings import certificate_config
from web.security import public

bp = Blueprint("certificates_public", __name__)


@bp.get("/.well-known/jwks.json")
@public
def jwks():
    response = jsonify(certificate_config().shc.jwks())
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
