"""Behind a TLS-terminating proxy the access log names the staff terminal, not the proxy."""

import pytest
from flask import request

from web import ConfigError, create_app
from web.security import public


def _app(tmp_path, proxies: str | None):
    environ = {"SESSHU_INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}
    if proxies is not None:
        environ["SESSHU_TRUSTED_PROXIES"] = proxies
    app = create_app(environ)

    @public
    def whoami():
        return f"{request.remote_addr} {request.scheme}"

    app.add_url_rule("/whoami-test", "whoami_test", whoami)
    return app


FORWARDED = {"X-Forwarded-For": "192.0.2.44", "X-Forwarded-Proto": "https"}


def test_forwarded_headers_are_trusted_only_when_configured(tmp_path):
    trusted = _app(tmp_path, "1").test_client().get("/whoami-test", headers=FORWARDED)
    assert trusted.get_data(as_text=True) == "192.0.2.44 https"
    ignored = _app(tmp_path, None).test_client().get("/whoami-test", headers=FORWARDED)
    assert ignored.get_data(as_text=True) == "127.0.0.1 http"


def test_a_malformed_proxy_count_stops_with_a_message(tmp_path):
    with pytest.raises(ConfigError, match="SESSHU_TRUSTED_PROXIES"):
        _app(tmp_path, "yes")
