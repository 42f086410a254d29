"""Alembic environment: always runs on the connection the Sesshu CLI hands over."""

from __future__ import annotations

from alembic import context

import models
from models.types import UTCDateTime


def render_item(type_, obj, autogen_context):
    """Write Sesshu's column types as plain SQLAlchemy types, so migrations never import models."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False

target_metadata = models.Base.metadata
connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("マイグレーションは `flask --app wsgi db upgrade` で実行してください。")

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copy
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
