"""partners: archived, and a name is unique per country

An archived partner gets no newsletters and no kits and stays out of lists by default. A partner's
name was unique across the world; two subsidiaries of one company in two countries are two
partners with one name, so the rule becomes name + country. Downgrading cannot keep two partners
with one name: the later ones get their country added to their name ("Acme IT (DE)").

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 09:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

partners = sa.table('partners', sa.column('id', sa.Integer), sa.column('name', sa.String),
                    sa.column('country', sa.String))


def upgrade() -> None:
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_partners_name'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_partners_name_country'), ['name', 'country'])


def downgrade() -> None:
    first = sa.select(sa.func.min(partners.c.id)).group_by(partners.c.name)
    op.execute(
        partners.update().where(partners.c.id.not_in(first))
        .values(name=sa.func.substr(partners.c.name, 1, 190) + ' (' + partners.c.country + ')')
    )  # fmt: skip
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_partners_name_country'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_partners_name'), ['name'])
        batch_op.drop_column('archived_at')
