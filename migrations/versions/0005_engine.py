"""engine: message routing, DMN tables of a definition, state token of an instance

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("process_definition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dmn_xml", sa.Text(), nullable=True))
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state_token", sa.String(length=32), nullable=True))
    op.create_table(
        "message_route",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("message_name", sa.String(length=100), nullable=False),
        sa.Column("correlation_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instance.id"],
            name=op.f("fk_message_route_instance_id_process_instance"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_route")),
        sa.UniqueConstraint(
            "instance_id", "message_name", "correlation_key", name=op.f("uq_message_route_instance_id")
        ),
    )
    with op.batch_alter_table("message_route", schema=None) as batch_op:
        batch_op.create_index("ix_message_route_lookup", ["message_name", "correlation_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("message_route", schema=None) as batch_op:
        batch_op.drop_index("ix_message_route_lookup")
    op.drop_table("message_route")
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.drop_column("state_token")
    with op.batch_alter_table("process_definition", schema=None) as batch_op:
        batch_op.drop_column("dmn_xml")
