"""Inbox filters, task drafts, jobs, inbox indexes

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox_filter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("view", sa.String(length=10), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_inbox_filter_department_id_department"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["staff.id"],
            name=op.f("fk_inbox_filter_owner_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_filter")),
        sa.UniqueConstraint("owner_id", "name", name=op.f("uq_inbox_filter_owner_id")),
    )
    with op.batch_alter_table("inbox_filter", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbox_filter_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inbox_filter_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("failures", sa.JSON(), nullable=False),
        sa.Column("return_to", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["staff.id"], name=op.f("fk_job_owner_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index("ix_job_owner_created", ["owner_id", "created_at"], unique=False)

    op.create_table(
        "task_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("task_guid", sa.String(length=36), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_task_draft_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_draft")),
        sa.UniqueConstraint("staff_id", "task_guid", name=op.f("uq_task_draft_staff_id")),
    )
    with op.batch_alter_table("task_draft", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_draft_task_guid"), ["task_guid"], unique=False)

    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_no_prefix",
            ["case_no"],
            unique=False,
            postgresql_ops={"case_no": "text_pattern_ops"},
        )

    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.create_index(
            "ix_human_task_completed_by", ["completed_by_id", "completed_at"], unique=False
        )
        batch_op.create_index("ix_human_task_state_name", ["state", "name"], unique=False)
        batch_op.create_index(
            "ix_human_task_queue",
            ["role", "due_at"],
            unique=False,
            postgresql_where=sa.text("state = 'ready' AND assignee_id IS NULL"),
            sqlite_where=sa.text("state = 'ready' AND assignee_id IS NULL"),
        )

    with op.batch_alter_table("resident", schema=None) as batch_op:
        batch_op.create_index(
            "ix_resident_name_kana_prefix",
            ["name_kana"],
            unique=False,
            postgresql_ops={"name_kana": "text_pattern_ops"},
        )


def downgrade() -> None:
    with op.batch_alter_table("resident", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_resident_name_kana_prefix", postgresql_ops={"name_kana": "text_pattern_ops"}
        )

    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_human_task_queue",
            postgresql_where=sa.text("state = 'ready' AND assignee_id IS NULL"),
            sqlite_where=sa.text("state = 'ready' AND assignee_id IS NULL"),
        )
        batch_op.drop_index("ix_human_task_state_name")
        batch_op.drop_index("ix_human_task_completed_by")

    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index("ix_case_no_prefix", postgresql_ops={"case_no": "text_pattern_ops"})

    with op.batch_alter_table("task_draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_draft_task_guid"))

    op.drop_table("task_draft")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index("ix_job_owner_created")

    op.drop_table("job")
    with op.batch_alter_table("inbox_filter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_filter_owner_id"))
        batch_op.drop_index(batch_op.f("ix_inbox_filter_department_id"))

    op.drop_table("inbox_filter")
