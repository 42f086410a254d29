"""Behind TLS termination (nginx, a load balancer) the client's address and scheme arrive in
X-Forwarded-* headers. SESSHU_TRUSTED_PROXIES=N trusts the last N proxies' headers, so the
access log records the staff terminal's address rather than the proxy's."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from web.config import ConfigError


def trust_proxies(app: Flask, environ: Mapping[str, str]) -> None:
    raw = environ.get("SESSHU_TRUSTED_PROXIES", "0").strip() or "0"
    if not raw.isdigit():
        raise ConfigError(f"SESSHU_TRUSTED_PROXIES は 0 以上の整数です（指定値: {raw}）。")
    count = int(raw)
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
