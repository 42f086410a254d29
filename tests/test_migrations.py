"""Migrations build the whole schema from nothing, and agree with the models."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from models import Base
from models.db import Database
from tests.conftest import fresh_database_url, upgrade_to_head
from web.cli.db import alembic_config


def test_upgrade_from_empty_to_head_creates_every_table_and_matches_the_models(tmp_path):
    database = Database(fresh_database_url(tmp_path, "migrations"))
    try:
        upgrade_to_head(database)
        tables = set(inspect(database.engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        with database.engine.begin() as connection:
            command.downgrade(alembic_config(connection), "base")
        assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
    finally:
        database.dispose()


def test_db_upgrade_command_is_idempotent(cli, db):
    result = cli.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "head" in result.output
    assert set(Base.metadata.tables) <= set(inspect(db.engine).get_table_names())
