"""Test fixtures: a real database (SQLite by default, PostgreSQL when asked) per test session.

Set SESSHU_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/sesshu_test to run
the suite on PostgreSQL; the database is dropped and created afresh at the start of the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from benchmarks.stack import recreate
from models import Base
from models.db import Database
from web import create_app
from web.cli.db import alembic_config

TEST_DATABASE_URL = os.environ.get("SESSHU_TEST_DATABASE_URL")

pytest_plugins = ["tests.auth_helpers", "tests.cases.fixtures", "tests.saved_state_check"]


def fresh_database_url(tmp_path: Path, name: str) -> str:
    """A new, empty database of the kind under test."""
    if TEST_DATABASE_URL:
        url = make_url(TEST_DATABASE_URL).set(database=f"{make_url(TEST_DATABASE_URL).database}_{name}")
        recreate(url.render_as_string(hide_password=False))
        return url.render_as_string(hide_password=False)
    return f"sqlite:///{tmp_path / f'{name}.db'}"


def upgrade_to_head(database: Database) -> None:
    from alembic import command

    with database.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        recreate(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'sesshu_test.db'}"


@pytest.fixture(scope="session")
def environ(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SESSHU_ENV": "development",
        "SECRET_KEY": "test-secret-key",
        "SESSHU_INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
    }


@pytest.fixture(scope="session")
def _migrated_app(environ: dict[str, str]):
    app = create_app(environ)
    upgrade_to_head(app.extensions["sesshu_db"])
    yield app
    app.extensions["sesshu_db"].dispose()


@pytest.fixture
def app(_migrated_app):
    """The app on a migrated database that is emptied again after each test."""
    yield _migrated_app
    empty_all_tables(_migrated_app.extensions["sesshu_db"])


@pytest.fixture
def db(app) -> Database:
    return app.extensions["sesshu_db"]


@pytest.fixture
def client(app):
    return app.test_client()


def empty_all_tables(database: Database) -> None:
    tables = Base.metadata.sorted_tables
    with database.engine.begin() as connection:
        if database.dialect == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                connection.execute(table.delete())


@pytest.fixture
def cli(app) -> Iterator:
    yield app.test_cli_runner()
