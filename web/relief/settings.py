"""Settings of the relief screens, from the environment.

SESSHU_STATUS_ATTEMPTS / SESSHU_STATUS_WINDOW_MINUTES   status-page attempts allowed per IP and
                                                        per 受付番号 in the window (5 / 15)
SESSHU_RELIEF_UPLOAD_MAX_MB     largest attachment (10)
SESSHU_RELIEF_SENDER            sender printed on letters (金沢市長)
SESSHU_PREFECTURE_NAME          the prefecture that forwards claims and hears appeals (石川県)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from handlers.relief.status import StatusLimits
from web.config import ConfigError

KEY = "SESSHU_RELIEF"


@dataclass(frozen=True)
class ReliefSettings:
    limits: StatusLimits
    upload_max_bytes: int
    sender: str
    prefecture: str


def _positive(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) <= 0:
        raise ConfigError(f"{name} は正の整数で指定してください（指定値: {raw}）")
    return int(raw)


def load_relief_settings(environ: Mapping[str, str] | None) -> ReliefSettings:
    environ = os.environ if environ is None else environ
    return ReliefSettings(
        limits=StatusLimits(_positive(environ, "SESSHU_STATUS_ATTEMPTS", 5),
                            timedelta(minutes=_positive(environ, "SESSHU_STATUS_WINDOW_MINUTES", 15))),
        upload_max_bytes=_positive(environ, "SESSHU_RELIEF_UPLOAD_MAX_MB", 10) * 1024 * 1024,
        sender=environ.get("SESSHU_RELIEF_SENDER", "").strip() or "金沢市長",
        prefecture=environ.get("SESSHU_PREFECTURE_NAME", "").strip() or "石川県",
    )


def relief_settings() -> ReliefSettings:
    return current_app.config[KEY]
