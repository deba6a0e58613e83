"""campaign content items

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('campaign_content_items',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('content_item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_content_items_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['content_item_id'], ['content_items.id'], name=op.f('fk_campaign_content_items_content_item_id_content_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', 'content_item_id', name=op.f('pk_campaign_content_items'))
    )
    with op.batch_alter_table('campaign_content_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_content_items_content_item_id'), ['content_item_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('campaign_content_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_content_items_content_item_id'))

    op.drop_table('campaign_content_items')
