"""API sync: external ids on partners and contacts, the API token in the consent log, the events stream order

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 11:00:00.000000

`events.tx_id` is the id of the transaction that wrote the event (PostgreSQL's pg_current_xact_id);
the events stream orders by (tx_id, id) and reads only transactions that are over, so an event
committed late never lands behind a CRM's cursor (see campaigns/delivery/stream.py). SQLite writes
one transaction at a time, so there it is always 0 and the id alone orders the stream.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _transaction_id_default() -> sa.TextClause:
    if op.get_bind().dialect.name == 'postgresql':
        return sa.text('(pg_current_xact_id()::text::bigint)')
    return sa.text('0')


def upgrade() -> None:
    with op.batch_alter_table('partners') as batch:
        batch.add_column(sa.Column('external_id', sa.String(length=100), nullable=True))
        batch.create_unique_constraint('uq_partners_external_id', ['external_id'])
    with op.batch_alter_table('contacts') as batch:
        batch.add_column(sa.Column('external_id', sa.String(length=100), nullable=True))
        batch.create_unique_constraint('uq_contacts_external_id', ['external_id'])
    with op.batch_alter_table('consent_records') as batch:
        batch.add_column(sa.Column('api_token_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(
            'fk_consent_records_api_token_id_api_tokens', 'api_tokens', ['api_token_id'], ['id'], ondelete='SET NULL'
        )
    # Rows already there are all committed: 0 puts them before anything written from now on.
    with op.batch_alter_table('events') as batch:
        batch.add_column(sa.Column('tx_id', sa.BigInteger(), server_default=sa.text('0'), nullable=False))
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('events', 'tx_id', server_default=_transaction_id_default())
    op.create_index('ix_events_stream', 'events', ['tx_id', 'id'])


def downgrade() -> None:
    op.drop_index('ix_events_stream', table_name='events')
    with op.batch_alter_table('events') as batch:
        batch.drop_column('tx_id')
    with op.batch_alter_table('consent_records') as batch:
        batch.drop_constraint('fk_consent_records_api_token_id_api_tokens', type_='foreignkey')
        batch.drop_column('api_token_id')
    with op.batch_alter_table('contacts') as batch:
        batch.drop_constraint('uq_contacts_external_id', type_='unique')
        batch.drop_column('external_id')
    with op.batch_alter_table('partners') as batch:
        batch.drop_constraint('uq_partners_external_id', type_='unique')
        batch.drop_column('external_id')
