"""body links: each stored body's written-out links, numbered, for tracked clicks

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('body_links',
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('content_item_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['body_id'], ['rendered_bodies.id'], name=op.f('fk_body_links_body_id_rendered_bodies'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('body_id', 'position', name=op.f('pk_body_links'))
    )


def downgrade() -> None:
    op.drop_table('body_links')
