"""distributor teams become records of their own

A small partner's distributor channel team was three columns on the partner (name, email, phone),
typed again for every partner it looks after. Each distinct team becomes one row of
`distributor_teams` (identical name, email and phone: one team; a second team with the same name
but other details is kept as "Name (2)"), serving the countries of the partners that named it,
and partners point at it. Downgrading writes the team's details back onto each partner.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 09:00:00.000000
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

partners = sa.table(
    'partners', sa.column('id', sa.Integer), sa.column('country', sa.String),
    sa.column('distributor_team_id', sa.Integer), sa.column('distributor_team_name', sa.String),
    sa.column('distributor_team_email', sa.String), sa.column('distributor_team_phone', sa.String),
)  # fmt: skip
teams = sa.table(
    'distributor_teams', sa.column('id', sa.Integer), sa.column('name', sa.String), sa.column('email', sa.String),
    sa.column('phone', sa.String), sa.column('countries', sa.JSON), sa.column('created_at', core.db.UTCDateTime),
    sa.column('updated_at', core.db.UTCDateTime),
)  # fmt: skip


def upgrade() -> None:
    op.create_table('distributor_teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('phone', sa.String(length=50), nullable=False),
    sa.Column('countries', sa.JSON(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_distributor_teams')),
    sa.UniqueConstraint('name', name=op.f('uq_distributor_teams_name'))
    )
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('distributor_team_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_partners_distributor_team_id'), ['distributor_team_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_partners_distributor_team_id_distributor_teams'),
                                    'distributor_teams', ['distributor_team_id'], ['id'], ondelete='SET NULL')
    _teams_from_partner_columns()
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_column('distributor_team_phone')
        batch_op.drop_column('distributor_team_email')
        batch_op.drop_column('distributor_team_name')


def _teams_from_partner_columns() -> None:
    """One team per distinct (name, email, phone), serving the countries of its partners."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(partners.c.id, partners.c.country, partners.c.distributor_team_name,
                  partners.c.distributor_team_email, partners.c.distributor_team_phone)
        .where(partners.c.distributor_team_name != '').order_by(partners.c.id)
    ).all()  # fmt: skip
    groups: dict[tuple[str, str, str], list[tuple[int, str]]] = {}
    for partner_id, country, name, email, phone in rows:
        groups.setdefault((name.strip(), email.strip(), phone.strip()), []).append((partner_id, country))
    names: set[str] = set()
    now = dt.datetime.now(dt.UTC)
    for (name, email, phone), members in groups.items():
        unique_name, number = name[:190], 1
        while unique_name in names:
            number += 1
            unique_name = f"{name[:190]} ({number})"
        names.add(unique_name)
        countries = sorted({country for _id, country in members})
        team_id = connection.execute(
            teams.insert().values(name=unique_name, email=email, phone=phone, countries=countries,
                                  created_at=now, updated_at=now).returning(teams.c.id)
        ).scalar_one()  # fmt: skip
        ids = [partner_id for partner_id, _country in members]
        connection.execute(partners.update().where(partners.c.id.in_(ids)).values(distributor_team_id=team_id))


def downgrade() -> None:
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('distributor_team_name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('distributor_team_email', sa.String(length=255), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('distributor_team_phone', sa.String(length=50), nullable=False, server_default=''))

    def of_team(column: sa.ColumnClause[str]) -> sa.ScalarSelect[str]:
        return sa.select(column).where(teams.c.id == partners.c.distributor_team_id).scalar_subquery()

    op.execute(
        partners.update().where(partners.c.distributor_team_id.is_not(None)).values(
            distributor_team_name=of_team(teams.c.name), distributor_team_email=of_team(teams.c.email),
            distributor_team_phone=of_team(teams.c.phone),
        )
    )  # fmt: skip
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_partners_distributor_team_id_distributor_teams'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_partners_distributor_team_id'))
        batch_op.drop_column('distributor_team_id')
    op.drop_table('distributor_teams')
