"""campaigns

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('goal', sa.Text(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('launch_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('draft', 'scheduled', 'live', 'ended', 'cancelled', name='campaignstatus', native_enum=False, length=20), nullable=False),
    sa.Column('target_tiers', sa.JSON(), nullable=False),
    sa.Column('target_partner_types', sa.JSON(), nullable=False),
    sa.Column('target_countries', sa.JSON(), nullable=False),
    sa.Column('target_locales', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_campaigns_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns'))
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_index('ix_campaigns_status_launch_at', ['status', 'launch_at'], unique=False)

    op.create_table('campaign_interest_areas',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('interest_area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_interest_areas_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['interest_area_id'], ['interest_areas.id'], name=op.f('fk_campaign_interest_areas_interest_area_id_interest_areas')),
    sa.PrimaryKeyConstraint('campaign_id', 'interest_area_id', name=op.f('pk_campaign_interest_areas'))
    )
    op.create_table('campaign_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum('draft', 'scheduled', 'live', 'ended', 'cancelled', name='campaignstatus', native_enum=False, length=20), nullable=False),
    sa.Column('to_status', sa.Enum('draft', 'scheduled', 'live', 'ended', 'cancelled', name='campaignstatus', native_enum=False, length=20), nullable=False),
    sa.Column('at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_campaign_status_changes_by_id_users')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_status_changes_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_status_changes'))
    )
    with op.batch_alter_table('campaign_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_status_changes_campaign_id'), ['campaign_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('campaign_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_status_changes_campaign_id'))

    op.drop_table('campaign_status_changes')
    op.drop_table('campaign_interest_areas')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_index('ix_campaigns_status_launch_at')

    op.drop_table('campaigns')
