"""Login and session limits, configurable from the environment.

SESSHU_IDLE_TIMEOUT_MINUTES    session ends after this long without a request (default 15)
SESSHU_SESSION_MAX_HOURS       session ends this long after login, whatever happens (default 8)
SESSHU_LOCKOUT_THRESHOLD       consecutive failures that lock an account (default 5)
SESSHU_LOCKOUT_MINUTES         how long a locked account stays locked (default 15)
SESSHU_UNUSED_ACCOUNT_DAYS     accounts unused this long are listed for review (default 90)
SESSHU_SESSION_RECORD_DAYS     records of finished sessions are deleted after this long (default 30)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from web.config import ConfigError


@dataclass(frozen=True)
class SecuritySettings:
    idle_timeout: timedelta = timedelta(minutes=15)
    session_max: timedelta = timedelta(hours=8)
    lockout_threshold: int = 5
    lockout_duration: timedelta = timedelta(minutes=15)
    unused_account_days: int = 90
    session_record_days: int = 30


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigError(f"{name} には正の整数を指定してください（指定値: {raw}）。")
    return value


def load_security_settings(environ: Mapping[str, str] | None = None) -> SecuritySettings:
    environ = os.environ if environ is None else environ
    return SecuritySettings(
        idle_timeout=timedelta(minutes=_positive_int(environ, "SESSHU_IDLE_TIMEOUT_MINUTES", 15)),
        session_max=timedelta(hours=_positive_int(environ, "SESSHU_SESSION_MAX_HOURS", 8)),
        lockout_threshold=_positive_int(environ, "SESSHU_LOCKOUT_THRESHOLD", 5),
        lockout_duration=timedelta(minutes=_positive_int(environ, "SESSHU_LOCKOUT_MINUTES", 15)),
        unused_account_days=_positive_int(environ, "SESSHU_UNUSED_ACCOUNT_DAYS", 90),
        session_record_days=_positive_int(environ, "SESSHU_SESSION_RECORD_DAYS", 30),
    )


def security_settings() -> SecuritySettings:
    return current_app.config["SESSHU_SECURITY"]
