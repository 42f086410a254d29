"""Settings from the environment, checked once at start-up.

DATABASE_URL   SQLAlchemy URL; default: SQLite file instance/sesshu.db
SECRET_KEY     session signing key; generated into instance/secret_key when absent
               (development only: production refuses to start without it)
SESSHU_ENV     development (default) or production
SESSHU_ALLOW_SQLITE_IN_PRODUCTION=1   lets production run on SQLite on purpose
SESSHU_INSTANCE_PATH   where keys, the SQLite file and uploads live; default ./instance
SESSHU_MUNICIPALITY_CODE   this city's 全国地方公共団体コード (default 172014, 金沢市)
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from models.identifiers import IdentifierError, validate_municipality_code
from models.vaccination import DEFAULT_MUNICIPALITY_CODE

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SUPPORTED_DIALECTS = {"sqlite", "postgresql"}


class ConfigError(Exception):
    """The environment does not describe a runnable Sesshu; the message says what to fix."""


@dataclass(frozen=True)
class Settings:
    env: str
    database_url: URL
    secret_key: str
    instance_path: Path
    municipality_code: str

    @property
    def is_production(self) -> bool:
        return self.env == "production"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    env = environ.get("SESSHU_ENV", "development")
    if env not in ("development", "production"):
        raise ConfigError(f"SESSHU_ENV は development か production です（指定値: {env}）。")
    instance_path = Path(environ.get("SESSHU_INSTANCE_PATH") or PROJECT_ROOT / "instance")
    instance_path.mkdir(parents=True, exist_ok=True)

    url = _database_url(environ.get("DATABASE_URL"), instance_path)
    if (
        env == "production"
        and url.get_backend_name() == "sqlite"
        and environ.get("SESSHU_ALLOW_SQLITE_IN_PRODUCTION") != "1"
    ):
        raise ConfigError(
            "本番環境（SESSHU_ENV=production）では PostgreSQL の DATABASE_URL を指定してください。"
            " SQLite で動かす場合は SESSHU_ALLOW_SQLITE_IN_PRODUCTION=1 を明示してください。"
        )

    secret_key = environ.get("SECRET_KEY")
    if not secret_key:
        if env == "production":
            raise ConfigError("本番環境では SECRET_KEY を環境変数で指定してください。")
        secret_key = _instance_secret(instance_path)

    try:
        code = validate_municipality_code(
            environ.get("SESSHU_MUNICIPALITY_CODE", DEFAULT_MUNICIPALITY_CODE)
        )
    except IdentifierError as exc:
        raise ConfigError(f"SESSHU_MUNICIPALITY_CODE: {exc}") from exc

    return Settings(
        env=env,
        database_url=url,
        secret_key=secret_key,
        instance_path=instance_path,
        municipality_code=code,
    )


def _database_url(raw: str | None, instance_path: Path) -> URL:
    if not raw:
        return make_url(f"sqlite:///{instance_path / 'sesshu.db'}")
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(
            "DATABASE_URL の形式が正しくありません。例: "
            "postgresql+psycopg://user@127.0.0.1:5432/sesshu または sqlite:///instance/sesshu.db"
        ) from exc
    backend = url.get_backend_name()
    if backend not in SUPPORTED_DIALECTS:
        raise ConfigError(f"DATABASE_URL のデータベース「{backend}」には対応していません。")
    if backend == "postgresql" and url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")  # psycopg 3 is the driver Sesshu ships
    return url


def _instance_secret(instance_path: Path) -> str:
    """Read instance/secret_key, creating it (owner-readable only) on first run."""
    path = instance_path / "secret_key"
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it a moment ago
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text().strip()
