"""Start-up configuration: clear Japanese errors, never a traceback."""

import subprocess
import sys
from pathlib import Path

import pytest

from web import create_app
from web.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_to_sqlite_in_the_instance_folder_with_a_generated_secret(tmp_path):
    settings = load_settings({"SESSHU_INSTANCE_PATH": str(tmp_path)})
    assert settings.database_url.get_backend_name() == "sqlite"
    assert settings.database_url.database == str(tmp_path / "sesshu.db")
    secret = (tmp_path / "secret_key").read_text()
    assert len(secret) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    # The same key is used on the next start, so sessions survive a restart.
    assert load_settings({"SESSHU_INSTANCE_PATH": str(tmp_path)}).secret_key == secret


def test_plain_postgresql_url_uses_psycopg3(tmp_path):
    settings = load_settings(
        {"SESSHU_INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "postgresql://u@db/sesshu"}
    )
    assert settings.database_url.drivername == "postgresql+psycopg"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL の形式"),
        ({"DATABASE_URL": "mysql://root@localhost/x"}, "対応していません"),
        ({"SESSHU_ENV": "staging"}, "SESSHU_ENV"),
        ({"SESSHU_ENV": "production", "DATABASE_URL": "postgresql://u@db/s"}, "SECRET_KEY"),
        ({"SESSHU_ENV": "production", "SECRET_KEY": "k"}, "PostgreSQL"),
        ({"SESSHU_MUNICIPALITY_CODE": "172015"}, "SESSHU_MUNICIPALITY_CODE"),
    ],
)
def test_bad_configuration_is_refused_with_a_message(tmp_path, environ, message):
    with pytest.raises(ConfigError, match=message):
        load_settings({"SESSHU_INSTANCE_PATH": str(tmp_path), **environ})


def test_production_may_run_on_sqlite_only_when_explicitly_allowed(tmp_path):
    settings = load_settings({
        "SESSHU_INSTANCE_PATH": str(tmp_path),
        "SESSHU_ENV": "production",
        "SECRET_KEY": "k",
        "SESSHU_ALLOW_SQLITE_IN_PRODUCTION": "1",
    })
    assert settings.is_production


def run_flask(tmp_path, *args, **env):
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "SESSHU_INSTANCE_PATH": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_malformed_database_url_stops_the_cli_with_a_message_not_a_traceback(tmp_path):
    result = run_flask(tmp_path, "db", "upgrade", DATABASE_URL="postgresql://:::bad")
    assert result.returncode != 0
    assert "設定エラー: DATABASE_URL の形式が正しくありません" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_unreachable_database_stops_db_upgrade_with_a_message(tmp_path):
    result = run_flask(
        tmp_path, "db", "upgrade",
        DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
    )
    assert result.returncode == 1
    assert "データベースに接続できません" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_app_refuses_to_start_in_production_without_secret(tmp_path):
    with pytest.raises(ConfigError):
        create_app({"SESSHU_INSTANCE_PATH": str(tmp_path), "SESSHU_ENV": "production"})
