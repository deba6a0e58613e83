"""consent records: the vendor user who made a change

A change staff make to a contact in the admin is logged with source `admin`; the log now also
names who: the acting vendor user (kept as an id; a user is deactivated, never deleted).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 09:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_consent_records_actor_user_id_users'), 'users',
                                    ['actor_user_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_consent_records_actor_user_id_users'), type_='foreignkey')
        batch_op.drop_column('actor_user_id')
