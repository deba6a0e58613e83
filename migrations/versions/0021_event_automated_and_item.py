"""events: a flag for machine opens and scanner clicks, and the content item a click led to

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 10:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('events') as batch:
        batch.add_column(sa.Column('automated', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('content_item_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('events') as batch:
        batch.drop_column('content_item_id')
        batch.drop_column('automated')
