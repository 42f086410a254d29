"""editor: drafts, publication approvals, instance migrations

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 07:35:32.531035
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('process_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_key', sa.String(length=100), nullable=False),
    sa.Column('bpmn_xml', sa.Text(), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['staff.id'], name=op.f('fk_process_draft_author_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_draft'))
    )
    with op.batch_alter_table('process_draft', schema=None) as batch_op:
        batch_op.create_index('ix_process_draft_key_saved', ['process_key', 'saved_at'], unique=False)

    op.create_table('process_publication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_key', sa.String(length=100), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('bpmn_xml', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('definition_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['staff.id'], name=op.f('fk_process_publication_decided_by_id_staff')),
    sa.ForeignKeyConstraint(['definition_id'], ['process_definition.id'], name=op.f('fk_process_publication_definition_id_process_definition')),
    sa.ForeignKeyConstraint(['draft_id'], ['process_draft.id'], name=op.f('fk_process_publication_draft_id_process_draft')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['staff.id'], name=op.f('fk_process_publication_requested_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_publication'))
    )
    with op.batch_alter_table('process_publication', schema=None) as batch_op:
        batch_op.create_index('ix_process_publication_key_status', ['process_key', 'status'], unique=False)

    op.create_table('instance_migration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('from_definition_id', sa.Integer(), nullable=False),
    sa.Column('to_definition_id', sa.Integer(), nullable=False),
    sa.Column('previous_state_json', sa.Text(), nullable=False),
    sa.Column('previous_serializer_version', sa.String(length=10), nullable=False),
    sa.Column('migrated_revision', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('migrated_by_id', sa.Integer(), nullable=False),
    sa.Column('migrated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reverted_by_id', sa.Integer(), nullable=True),
    sa.Column('reverted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_instance_migration_case_id_case_file')),
    sa.ForeignKeyConstraint(['from_definition_id'], ['process_definition.id'], name=op.f('fk_instance_migration_from_definition_id_process_definition')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], name=op.f('fk_instance_migration_instance_id_process_instance')),
    sa.ForeignKeyConstraint(['migrated_by_id'], ['staff.id'], name=op.f('fk_instance_migration_migrated_by_id_staff')),
    sa.ForeignKeyConstraint(['reverted_by_id'], ['staff.id'], name=op.f('fk_instance_migration_reverted_by_id_staff')),
    sa.ForeignKeyConstraint(['to_definition_id'], ['process_definition.id'], name=op.f('fk_instance_migration_to_definition_id_process_definition')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instance_migration'))
    )
    with op.batch_alter_table('instance_migration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instance_migration_instance_id'), ['instance_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('instance_migration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instance_migration_instance_id'))

    op.drop_table('instance_migration')
    with op.batch_alter_table('process_publication', schema=None) as batch_op:
        batch_op.drop_index('ix_process_publication_key_status')

    op.drop_table('process_publication')
    with op.batch_alter_table('process_draft', schema=None) as batch_op:
        batch_op.drop_index('ix_process_draft_key_saved')

    op.drop_table('process_draft')
