"""partner programme: competencies, certifications, requirements, tier history

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 10:43:26.243749
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('competencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=50), nullable=False),
    sa.Column('names', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competencies')),
    sa.UniqueConstraint('slug', name=op.f('uq_competencies_slug'))
    )
    op.create_table('competency_areas',
    sa.Column('competency_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['interest_areas.id'], name=op.f('fk_competency_areas_area_id_interest_areas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['competency_id'], ['competencies.id'], name=op.f('fk_competency_areas_competency_id_competencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('competency_id', 'area_id', name=op.f('pk_competency_areas'))
    )
    with op.batch_alter_table('competency_areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competency_areas_area_id'), ['area_id'], unique=False)

    op.create_table('competency_requirements',
    sa.Column('tier', sa.String(length=30), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['competency_id'], ['competencies.id'], name=op.f('fk_competency_requirements_competency_id_competencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tier', 'competency_id', name=op.f('pk_competency_requirements'))
    )
    op.create_table('tier_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('from_tier', sa.String(length=30), nullable=False),
    sa.Column('to_tier', sa.String(length=30), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'applied', 'cancelled', name='tierchangestatus', native_enum=False, length=20), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('applied_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_tier_changes_partner_id_partners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_tier_changes_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tier_changes'))
    )
    with op.batch_alter_table('tier_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tier_changes_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index('ix_tier_changes_status_effective_on', ['status', 'effective_on'], unique=False)

    op.create_table('certifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('earned_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('expires_on IS NULL OR expires_on >= earned_on', name=op.f('ck_certifications_dates')),
    sa.ForeignKeyConstraint(['competency_id'], ['competencies.id'], name=op.f('fk_certifications_competency_id_competencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_certifications_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certifications')),
    sa.UniqueConstraint('contact_id', 'competency_id', 'name', 'earned_on', name=op.f('uq_certifications_contact_id_competency_id_name_earned_on'))
    )
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.create_index('ix_certifications_competency_expires', ['competency_id', 'expires_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_certifications_contact_id'), ['contact_id'], unique=False)

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('required_competency_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_campaigns_required_competency_id_competencies'), 'competencies', ['required_competency_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('content_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('required_competency_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_content_items_required_competency_id_competencies'), 'competencies', ['required_competency_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('content_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_content_items_required_competency_id_competencies'), type_='foreignkey')
        batch_op.drop_column('required_competency_id')

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_campaigns_required_competency_id_competencies'), type_='foreignkey')
        batch_op.drop_column('required_competency_id')

    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certifications_contact_id'))
        batch_op.drop_index('ix_certifications_competency_expires')

    op.drop_table('certifications')
    with op.batch_alter_table('tier_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_tier_changes_status_effective_on')
        batch_op.drop_index(batch_op.f('ix_tier_changes_partner_id'))

    op.drop_table('tier_changes')
    op.drop_table('competency_requirements')
    with op.batch_alter_table('competency_areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competency_areas_area_id'))

    op.drop_table('competency_areas')
    op.drop_table('competencies')
