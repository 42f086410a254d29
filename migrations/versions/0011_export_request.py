"""Approved exports of personal data (export_request)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 07:50:48.856280
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('export_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_comment', sa.String(length=200), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('prepared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('downloaded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('file_name', sa.String(length=100), nullable=True),
    sa.Column('file_data', sa.LargeBinary(), nullable=True),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_export_request_case_id_case_file')),
    sa.ForeignKeyConstraint(['requester_id'], ['staff.id'], name=op.f('fk_export_request_requester_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_request')),
    sa.UniqueConstraint('case_id', name=op.f('uq_export_request_case_id'))
    )
    with op.batch_alter_table('export_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_request_requester_id'), ['requester_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_request_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('export_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_request_status'))
        batch_op.drop_index(batch_op.f('ix_export_request_requester_id'))

    op.drop_table('export_request')
