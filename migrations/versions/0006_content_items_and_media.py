"""content items and media

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('media_assets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('bytes', sa.Integer(), nullable=False),
    sa.Column('original_filename', sa.String(length=255), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_media_assets_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_media_assets')),
    sa.UniqueConstraint('sha256', name=op.f('uq_media_assets_sha256'))
    )
    op.create_table('content_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('article', 'announcement', 'event', 'training', 'offer', name='contentkind', native_enum=False, length=20), nullable=False),
    sa.Column('status', sa.Enum('draft', 'in_review', 'approved', 'published', 'archived', name='contentstatus', native_enum=False, length=20), nullable=False),
    sa.Column('default_locale', sa.String(length=5), nullable=False),
    sa.Column('publish_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('cta_label', sa.String(length=80), nullable=False),
    sa.Column('cta_url', sa.String(length=2000), nullable=False),
    sa.Column('hero_image_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_content_items_created_by_id_users')),
    sa.ForeignKeyConstraint(['hero_image_id'], ['media_assets.id'], name=op.f('fk_content_items_hero_image_id_media_assets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_items'))
    )
    with op.batch_alter_table('content_items', schema=None) as batch_op:
        batch_op.create_index('ix_content_items_rank', ['priority', 'publish_at', 'id'], unique=False)

    op.create_table('content_item_areas',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['interest_areas.id'], name=op.f('fk_content_item_areas_area_id_interest_areas')),
    sa.ForeignKeyConstraint(['item_id'], ['content_items.id'], name=op.f('fk_content_item_areas_item_id_content_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'area_id', name=op.f('pk_content_item_areas'))
    )
    with op.batch_alter_table('content_item_areas', schema=None) as batch_op:
        batch_op.create_index('ix_content_item_areas_area_id_item_id', ['area_id', 'item_id'], unique=False)

    op.create_table('content_item_tiers',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('tier', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['content_items.id'], name=op.f('fk_content_item_tiers_item_id_content_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'tier', name=op.f('pk_content_item_tiers'))
    )
    op.create_table('content_transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum('draft', 'in_review', 'approved', 'published', 'archived', name='contentstatus', native_enum=False, length=20), nullable=False),
    sa.Column('to_status', sa.Enum('draft', 'in_review', 'approved', 'published', 'archived', name='contentstatus', native_enum=False, length=20), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_content_transitions_by_user_id_users')),
    sa.ForeignKeyConstraint(['item_id'], ['content_items.id'], name=op.f('fk_content_transitions_item_id_content_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_transitions'))
    )
    with op.batch_alter_table('content_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_content_transitions_item_id'), ['item_id'], unique=False)

    op.create_table('content_variants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['content_items.id'], name=op.f('fk_content_variants_item_id_content_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_variants')),
    sa.UniqueConstraint('item_id', 'locale', name=op.f('uq_content_variants_item_id_locale'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), server_default='Europe/Amsterdam', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('timezone')

    op.drop_table('content_variants')
    with op.batch_alter_table('content_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_content_transitions_item_id'))

    op.drop_table('content_transitions')
    op.drop_table('content_item_tiers')
    with op.batch_alter_table('content_item_areas', schema=None) as batch_op:
        batch_op.drop_index('ix_content_item_areas_area_id_item_id')

    op.drop_table('content_item_areas')
    with op.batch_alter_table('content_items', schema=None) as batch_op:
        batch_op.drop_index('ix_content_items_rank')

    op.drop_table('content_items')
    op.drop_table('media_assets')
