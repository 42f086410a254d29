"""中間サーバ connection settings, read from the environment.

SESSHU_INTERMEDIARY_URL           base URL of the 中間サーバ (default http://127.0.0.1:5100, the simulator)
SESSHU_INTERMEDIARY_KEY_ID        key id sent with every signature (default sesshu-1)
SESSHU_INTERMEDIARY_SECRET        shared HMAC key; development generates instance/intermediary_key
SESSHU_INTERMEDIARY_TOKEN_KEY     key deriving 情報提供用個人識別符号 from 個人番号 (simulated J-LIS);
                                  development generates instance/intermediary_token_key
SESSHU_INTERMEDIARY_CALLBACK_URL  where the 中間サーバ delivers results and incoming queries
                                  (default http://127.0.0.1:5000/intermediary/callback)
SESSHU_INTERMEDIARY_TIMEOUT       seconds per HTTP attempt (default 10)
SESSHU_INTERMEDIARY_MAX_ATTEMPTS  attempts per message before giving up (default 4)
SESSHU_QUERY_RESULT_RETENTION_DAYS  days raw 照会結果 are kept before deletion (default 30)
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from handlers.intermediary.transport import RetryPolicy

DEFAULT_URL = "http://127.0.0.1:5100"
DEFAULT_CALLBACK_URL = "http://127.0.0.1:5000/intermediary/callback"
DEFAULT_RETENTION_DAYS = 30
LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}


class IntermediaryConfigError(ValueError):
    """The 中間サーバ settings are unusable; the message (Japanese) says what to fix."""


@dataclass(frozen=True)
class IntermediaryConfig:
    municipality_code: str  # this city, the requester of our queries
    base_url: str
    key_id: str
    secret: bytes | None
    token_key: bytes | None
    callback_url: str
    retention_days: int
    retry: RetryPolicy

    @property
    def keyring(self) -> dict[str, bytes]:
        return {self.key_id: self.require_secret()}

    def require_secret(self) -> bytes:
        if not self.secret:
            raise IntermediaryConfigError(
                "中間サーバとの共有鍵（SESSHU_INTERMEDIARY_SECRET）が設定されていません。"
            )
        return self.secret

    def require_token_key(self) -> bytes:
        if not self.token_key:
            raise IntermediaryConfigError(
                "符号の鍵（SESSHU_INTERMEDIARY_TOKEN_KEY）が設定されていません。"
            )
        return self.token_key


def load_intermediary_config(
    environ: Mapping[str, str], instance_path: Path, *, municipality_code: str, production: bool
) -> IntermediaryConfig:
    """Production never invents the shared keys: another system must hold the same ones."""
    base_url = _url(
        environ.get("SESSHU_INTERMEDIARY_URL", DEFAULT_URL), "SESSHU_INTERMEDIARY_URL", production
    )
    callback_url = _url(
        environ.get("SESSHU_INTERMEDIARY_CALLBACK_URL", DEFAULT_CALLBACK_URL),
        "SESSHU_INTERMEDIARY_CALLBACK_URL",
        production,
    )
    secret = _key(environ, "SESSHU_INTERMEDIARY_SECRET", instance_path / "intermediary_key", production)
    token_key = _key(
        environ, "SESSHU_INTERMEDIARY_TOKEN_KEY", instance_path / "intermediary_token_key", production
    )
    key_id = environ.get("SESSHU_INTERMEDIARY_KEY_ID", "sesshu-1")
    if not key_id or len(key_id) > 40 or not key_id.isascii():
        raise IntermediaryConfigError("SESSHU_INTERMEDIARY_KEY_ID は40文字以内の英数字で指定してください。")
    return IntermediaryConfig(
        municipality_code=municipality_code,
        base_url=base_url,
        key_id=key_id,
        secret=secret,
        token_key=token_key,
        callback_url=callback_url,
        retention_days=_int(environ, "SESSHU_QUERY_RESULT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, 1, 3650),
        retry=RetryPolicy(
            max_attempts=_int(environ, "SESSHU_INTERMEDIARY_MAX_ATTEMPTS", 4, 1, 10),
            timeout=float(_int(environ, "SESSHU_INTERMEDIARY_TIMEOUT", 10, 1, 300)),
        ),
    )


def _url(value: str, name: str, production: bool) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise IntermediaryConfigError(f"{name} は http:// または https:// で始まる URL です（指定値: {value}）。")
    if production and parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise IntermediaryConfigError(f"本番環境では {name} に https:// を指定してください（指定値: {value}）。")
    return value.rstrip("/")


def _int(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise IntermediaryConfigError(f"{name} は {low} から {high} までの整数です（指定値: {raw}）。")
    return value


def _key(environ: Mapping[str, str], name: str, path: Path, production: bool) -> bytes | None:
    raw = environ.get(name)
    if raw:
        if len(raw) < 32:
            raise IntermediaryConfigError(f"{name} は32文字以上にしてください。")
        return raw.encode()
    if production:
        return None
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # the other process (app or simulator) made it a moment ago
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()
