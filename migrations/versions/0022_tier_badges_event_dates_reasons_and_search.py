"""tier badges, event dates, why a newsletter held what it did, and the library's search index

Tier badges (a PNG per tier, optionally per language) for the partner's own promotion; the dates
an event or training takes place; the reasons behind each item of a contact's last newsletter;
and, on SQLite, an FTS5 index over the content's texts kept current by triggers (PostgreSQL
searches with `to_tsvector` in each language's configuration and needs no table of its own).
Note for later migrations: an SQLite batch alter of `content_variants` copies the table and drops
the triggers below; such a migration must create them again (`create_sqlite_search`).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FTS = 'content_variants_fts'
SQLITE_SEARCH = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(title, summary, body, content='content_variants',"
    " content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER {FTS}_ai AFTER INSERT ON content_variants BEGIN"
    f" INSERT INTO {FTS}(rowid, title, summary, body) VALUES (new.id, new.title, new.summary, new.body); END",
    f"CREATE TRIGGER {FTS}_ad AFTER DELETE ON content_variants BEGIN"
    f" INSERT INTO {FTS}({FTS}, rowid, title, summary, body) VALUES ('delete', old.id, old.title, old.summary,"
    " old.body); END",
    f"CREATE TRIGGER {FTS}_au AFTER UPDATE ON content_variants BEGIN"
    f" INSERT INTO {FTS}({FTS}, rowid, title, summary, body) VALUES ('delete', old.id, old.title, old.summary,"
    f" old.body); INSERT INTO {FTS}(rowid, title, summary, body) VALUES (new.id, new.title, new.summary, new.body);"
    " END",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]


def create_sqlite_search() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for statement in SQLITE_SEARCH:
            op.execute(statement)


def upgrade() -> None:
    op.create_table('newsletter_reasons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_newsletter_reasons')),
    sa.UniqueConstraint('key', name=op.f('uq_newsletter_reasons_key'))
    )
    op.create_table('tier_badges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tier', sa.String(length=30), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['media_assets.id'], name=op.f('fk_tier_badges_asset_id_media_assets')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_tier_badges_uploaded_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tier_badges')),
    sa.UniqueConstraint('tier', 'locale', name=op.f('uq_tier_badges_tier_locale'))
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_newsletter_at', core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_newsletter_reasons_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_contacts_last_newsletter_reasons_id_newsletter_reasons'),
                                    'newsletter_reasons', ['last_newsletter_reasons_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('content_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('starts_at', core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('ends_at', core.db.UTCDateTime(timezone=True), nullable=True))
    create_sqlite_search()


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for suffix in ('_au', '_ad', '_ai'):
            op.execute(f'DROP TRIGGER IF EXISTS {FTS}{suffix}')
        op.execute(f'DROP TABLE IF EXISTS {FTS}')
    with op.batch_alter_table('content_items', schema=None) as batch_op:
        batch_op.drop_column('ends_at')
        batch_op.drop_column('starts_at')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contacts_last_newsletter_reasons_id_newsletter_reasons'),
                                 type_='foreignkey')
        batch_op.drop_column('last_newsletter_reasons_id')
        batch_op.drop_column('last_newsletter_at')
    op.drop_table('tier_badges')
    op.drop_table('newsletter_reasons')
