"""CSRF on every state-changing request, security headers, cookie flags, configurable limits."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from models.demo.seed import DEMO_ACCOUNTS, seed_demo
from models.staff import Role, Staff
from tests.auth_helpers import PASSWORD, csrf_token, log_in
from web import create_app
from web.auth.settings import load_security_settings
from web.config import ConfigError


def test_post_without_a_csrf_token_is_refused(client, make_staff, clock):
    account = make_staff("madoguchi9", Role.COUNTER)
    response = client.post("/login", data={"login_id": "madoguchi9", "password": PASSWORD})
    assert response.status_code == 400
    assert "不正な送信" in response.get_data(as_text=True)
    log_in(client, account, clock.now)
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/").status_code == 200  # still logged in
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/")}).status_code == 302


def test_a_token_from_another_session_does_not_work(app, make_staff, clock):
    other = app.test_client()
    foreign_token = csrf_token(other, "/login")
    client = app.test_client()
    client.get("/login")
    response = client.post("/login", data={"login_id": "x", "password": "y",
                                           "csrf_token": foreign_token})
    assert response.status_code == 400


def test_security_headers_and_no_store_on_pages(client, make_staff, clock):
    login_page = client.get("/login")
    csp = login_page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert login_page.headers["X-Frame-Options"] == "DENY"
    assert login_page.headers["Referrer-Policy"] == "same-origin"
    assert login_page.headers["X-Content-Type-Options"] == "nosniff"
    log_in(client, make_staff("madoguchi9", Role.COUNTER), clock.now)
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert "<script" not in client.get("/").get_data(as_text=True)


def test_session_cookie_is_httponly_lax_and_secure_in_production(environ, tmp_path):
    production = create_app({**environ, "SESSHU_ENV": "production",
                             "SESSHU_ALLOW_SQLITE_IN_PRODUCTION": "1",
                             "SESSHU_SHC_ISSUER": "https://sesshu.city.example/shc",
                             "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"})
    cookie = production.test_client().get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    development = create_app(environ)
    cookie = development.test_client().get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_limits_come_from_the_environment():
    settings = load_security_settings({
        "SESSHU_IDLE_TIMEOUT_MINUTES": "5", "SESSHU_SESSION_MAX_HOURS": "10",
        "SESSHU_LOCKOUT_THRESHOLD": "3", "SESSHU_LOCKOUT_MINUTES": "30",
    })
    assert settings.idle_timeout == timedelta(minutes=5)
    assert settings.session_max == timedelta(hours=10)
    assert settings.lockout_threshold == 3
    assert settings.lockout_duration == timedelta(minutes=30)
    assert load_security_settings({}).idle_timeout == timedelta(minutes=15)
    with pytest.raises(ConfigError, match="SESSHU_LOCKOUT_THRESHOLD"):
        load_security_settings({"SESSHU_LOCKOUT_THRESHOLD": "zero"})


def test_demo_otp_prints_the_current_code_in_development_only(app, db, cli, environ, tmp_path):
    with db.transaction() as session:
        seed_demo(session, residents=5)
    result = cli.invoke(args=["demo", "otp", "madoguchi1"])
    assert result.exit_code == 0, result.output
    with db.Session() as session:
        secret = session.scalars(select(Staff.totp_secret).where(
            Staff.login_id == DEMO_ACCOUNTS[0].login_id)).one()
    assert pyotp.TOTP(secret).verify(result.output.strip(), valid_window=1)
    assert cli.invoke(args=["demo", "otp", "nobody"]).exit_code != 0

    production = create_app({**environ, "SESSHU_ENV": "production",
                             "SESSHU_ALLOW_SQLITE_IN_PRODUCTION": "1",
                             "SESSHU_SHC_ISSUER": "https://sesshu.city.example/shc",
                             "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"})
    refused = production.test_cli_runner().invoke(args=["demo", "otp", "madoguchi1"])
    assert refused.exit_code != 0
    assert "開発環境" in refused.output


def test_templates_need_nothing_the_content_security_policy_forbids():
    inline = (" style=", " onclick=", " onsubmit=", " onload=", "javascript:")
    for template in (Path(__file__).parents[1] / "web" / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8").lower()
        for marker in inline:
            assert marker not in text, f"{template}: {marker.strip()} breaks the CSP"
        # <script src="…"> loads a static file the CSP allows; a script body would be refused.
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), f"{template}: inline <script> breaks the CSP"
