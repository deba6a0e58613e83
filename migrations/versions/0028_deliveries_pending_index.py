"""deliveries: a partial index of the messages still to settle (queued, leased, sending)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02 11:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status IN ('queued', 'leased', 'sending')")


def upgrade() -> None:
    op.create_index(
        'ix_deliveries_pending', 'deliveries', ['status', 'lease_expires_at'],
        postgresql_where=PENDING, sqlite_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index('ix_deliveries_pending', table_name='deliveries')
