"""digest_shards: a newsletter run split into parts that any number of schedulers claim

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 11:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'digest_shards',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_at', core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('shard', sa.Integer(), nullable=False),
        sa.Column('shards', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum('pending', 'running', 'done', name='shardstatus', native_enum=False, length=20),
                  nullable=False),
        sa.Column('owner', sa.String(length=100), nullable=True),
        sa.Column('lease_expires_at', core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('started_at', core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('summary', sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_shards')),
        sa.UniqueConstraint('run_at', 'shard', name=op.f('uq_digest_shards_run_at_shard')),
    )


def downgrade() -> None:
    op.drop_table('digest_shards')
