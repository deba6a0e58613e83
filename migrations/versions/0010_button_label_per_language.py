"""button label per language version

The button's label (and optionally its own link) moves from the item to each language version:
"Start the course" under a Dutch title was the item's label, not the version's. Today's label is
copied into every version; marketers then translate it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

items = sa.table('content_items', sa.column('id', sa.Integer), sa.column('default_locale', sa.String),
                 sa.column('cta_label', sa.String))
variants = sa.table('content_variants', sa.column('item_id', sa.Integer), sa.column('locale', sa.String),
                    sa.column('cta_label', sa.String))


def upgrade() -> None:
    with op.batch_alter_table('content_variants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cta_label', sa.String(length=80), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('cta_url', sa.String(length=2000), nullable=False, server_default=''))
    label = sa.select(items.c.cta_label).where(items.c.id == variants.c.item_id).scalar_subquery()
    op.execute(variants.update().values(cta_label=sa.func.coalesce(label, '')))
    with op.batch_alter_table('content_items', schema=None) as batch_op:
        batch_op.drop_column('cta_label')


def downgrade() -> None:
    with op.batch_alter_table('content_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cta_label', sa.String(length=80), nullable=False, server_default=''))
    # The item gets back the label of its default language.
    label = (
        sa.select(variants.c.cta_label)
        .where(variants.c.item_id == items.c.id, variants.c.locale == items.c.default_locale)
        .scalar_subquery()
    )
    op.execute(items.update().values(cta_label=sa.func.coalesce(label, '')))
    with op.batch_alter_table('content_variants', schema=None) as batch_op:
        batch_op.drop_column('cta_url')
        batch_op.drop_column('cta_label')
