"""partner users, kit pieces and kits

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 13:58:41.452580
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('kit_pieces',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('subject_lines', sa.JSON(), nullable=False),
    sa.Column('preheader', sa.String(length=200), nullable=False),
    sa.Column('short_copy', sa.Text(), nullable=False),
    sa.Column('medium_copy', sa.Text(), nullable=False),
    sa.Column('long_copy', sa.Text(), nullable=False),
    sa.Column('social_posts', sa.JSON(), nullable=False),
    sa.Column('image_ids', sa.JSON(), nullable=False),
    sa.Column('cta_label', sa.String(length=80), nullable=False),
    sa.Column('cta_url', sa.String(length=500), nullable=False),
    sa.Column('flyer_title', sa.String(length=120), nullable=False),
    sa.Column('flyer_text', sa.Text(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_kit_pieces_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kit_pieces')),
    sa.UniqueConstraint('campaign_id', 'locale', name='uq_kit_pieces_campaign_locale')
    )
    op.create_table('kits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('inputs_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('ready', 'failed', name='kitstatus', native_enum=False, length=10), nullable=False),
    sa.Column('error', sa.String(length=1000), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=255), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('built_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_kits_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_kits_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kits')),
    sa.UniqueConstraint('campaign_id', 'partner_id', 'locale', name='uq_kits_campaign_partner_locale')
    )
    with op.batch_alter_table('kits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kits_partner_id'), ['partner_id'], unique=False)

    op.create_table('partner_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('link_version', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('last_sign_in_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_users_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_users')),
    sa.UniqueConstraint('email', name=op.f('uq_partner_users_email'))
    )
    with op.batch_alter_table('partner_users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_users_partner_id'), ['partner_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('partner_users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_users_partner_id'))

    op.drop_table('partner_users')
    with op.batch_alter_table('kits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kits_partner_id'))

    op.drop_table('kits')
    op.drop_table('kit_pieces')
